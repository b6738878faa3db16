export * from './bounces.ts';
export * from './daily.ts';
export * from './quota.ts';
export * from './reminders.ts';
export * from './reports.ts';
export * from './sheet.ts';
export * from './status.ts';
export * from './text.ts';
