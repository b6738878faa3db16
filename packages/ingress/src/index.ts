export * from './imap.ts';
export * from './poll.ts';
export * from './sweep.ts';
export * from './verdicts.ts';
