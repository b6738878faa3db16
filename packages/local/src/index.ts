export * from './clock.ts';
export * from './inbound.ts';
export * from './ports.ts';
export * from './scheduler.ts';
export * from './ses-auth.ts';
export * from './ses-event.ts';
export * from './smtp.ts';
export * from './stack.ts';
