export * from './adapters.ts';
export * from './config.ts';
export * from './dynamodb.ts';
export * from './mailbox.ts';
export * from './s3.ts';
export * from './services.ts';
export * from './ses.ts';
