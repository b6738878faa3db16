import type { Program } from './schema.ts';

/**
 * The version of the program schema (schema.ts) a stored program was validated with. Raise it whenever
 * schema.ts changes; packages/program/test/stored.test.ts fails until it is. A program stored under this
 * version is the schema's own output, so it is read back without validating it again, which keeps the
 * validator (zod and the schema) out of every function's cold start.
 */
export const PROGRAM_SCHEMA_VERSION = 1;

/**
 * A stored program as it is read back: as stored when it was validated under this schema version, else
 * validated again (a version stored by older code gets the defaults and checks of this one).
 */
export async function storedProgram(json: string, schemaVersion: unknown, source: string): Promise<Program> {
  if (schemaVersion === PROGRAM_SCHEMA_VERSION) return JSON.parse(json) as Program;
  const { parseProgram } = await import('./load.ts');
  return parseProgram(JSON.parse(json), source);
}
