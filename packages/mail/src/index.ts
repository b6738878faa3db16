export * from './authentication.ts';
export * from './charset.ts';
export * from './compose.ts';
export * from './dsn.ts';
export * from './html.ts';
export * from './parse.ts';
export * from './policy.ts';
