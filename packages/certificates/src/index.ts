export * from './attendance.ts';
export * from './code.ts';
export * from './completion.ts';
export * from './docx.ts';
export * from './evaluation.ts';
export * from './job.ts';
export * from './organiser.ts';
export * from './verify.ts';
