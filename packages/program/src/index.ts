export * from './calendar.ts';
export * from './load.ts';
export * from './numerals.ts';
export * from './regions.ts';
export * from './schema.ts';
export * from './versions.ts';
