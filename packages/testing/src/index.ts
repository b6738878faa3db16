export * from './fill.ts';
export * from './people.ts';
