export * from './bounces.ts';
export * from './certificate-codes.ts';
export * from './course.ts';
export * from './keys.ts';
export * from './registry.ts';
export * from './send-once.ts';
export * from './table.ts';
export * from './types.ts';
