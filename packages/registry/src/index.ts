export * from './keys.ts';
export * from './registry.ts';
export * from './table.ts';
export * from './types.ts';
