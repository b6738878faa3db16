export * from './annotate/index.ts';
export * from './definitions.ts';
export * from './extract/index.ts';
export * from './raw.ts';
export * from './readers/index.ts';
export * from './safe-cell.ts';
export * from './templates/index.ts';
export * from './types.ts';
