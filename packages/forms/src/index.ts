export * from './definitions.ts';
export * from './raw.ts';
export * from './testing/people.ts';
export * from './types.ts';
