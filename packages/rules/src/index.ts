export * from './findings.ts';
export * from './validators.ts';
export * from './values.ts';
export * from './warnings.ts';
