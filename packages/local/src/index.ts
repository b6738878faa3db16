export * from './inbound.ts';
export * from './ports.ts';
export * from './scheduler.ts';
export * from './ses-event.ts';
export * from './smtp.ts';
export * from './stack.ts';
export * from './sweeper.ts';
