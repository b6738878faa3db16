export * from './definitions.ts';
export * from './raw.ts';
export * from './types.ts';
