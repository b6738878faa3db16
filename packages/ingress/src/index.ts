export * from './imap.ts';
export * from './poll.ts';
