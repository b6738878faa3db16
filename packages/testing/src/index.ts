export * from './client-mime.ts';
export * from './fill.ts';
export * from './legacy-zip.ts';
export * from './people.ts';
export * from './regions.ts';
export * from './sample-mail.ts';
export * from './zip.ts';
