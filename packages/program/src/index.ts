export * from './calendar.ts';
export * from './deployed.ts';
export * from './load.ts';
export * from './numerals.ts';
export * from './regions.ts';
export * from './schema.ts';
export * from './stored.ts';
export * from './versions.ts';
