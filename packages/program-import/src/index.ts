export * from './command.ts';
export * from './merge.ts';
export * from './quotas.ts';
export * from './schedule.ts';
export { findHeader, readTables } from './table.ts';
export * from './types.ts';
export { parseCount, parseDateCell, parseDateRange } from './values.ts';
