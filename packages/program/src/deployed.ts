import { once } from '@lingjun/core';

/**
 * The deployed function's program (the file named by LINGJUN_PROGRAM_FILE, bundled beside the code), loaded
 * on first use and kept for the container's life; a failed load is tried again on the next event. The
 * validator loads with it: a function reads the file only to seed a stack that has no program yet.
 */
export const deployedProgram = once(async () =>
  (await import('./load.ts')).loadProgram(process.env.LINGJUN_PROGRAM_FILE ?? 'program.json'),
);
