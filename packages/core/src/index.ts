export * from './errors.ts';
export * from './log.ts';
export * from './mask.ts';
export * from './once.ts';
export * from './ports.ts';
export * from './sheet-date.ts';
export * from './text.ts';
export * from './timeouts.ts';
