export * from './app.ts';
export * from './bundling.ts';
export * from './config.ts';
export * from './lingjun-function.ts';
export * from './stateful-stack.ts';
export * from './stateless-stack.ts';
