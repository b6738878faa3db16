export * from './commands.ts';
export * from './deps.ts';
export * from './handle.ts';
export * from './notice.ts';
export * from './quota.ts';
export * from './replacement.ts';
export * from './route.ts';
export * from './token.ts';
