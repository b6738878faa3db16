export * from './definitions.ts';
export * from './raw.ts';
export * from './readers/index.ts';
export * from './safe-cell.ts';
export * from './templates/index.ts';
export * from './testing/people.ts';
export * from './types.ts';
