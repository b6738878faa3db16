export * from './context.ts';
export * from './outcome.ts';
export * from './pipeline.ts';
export * from './ses.ts';
