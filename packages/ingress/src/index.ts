export * from './sweep.ts';
export * from './verdicts.ts';
