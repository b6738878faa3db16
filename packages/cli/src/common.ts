import { type ParseArgsConfig, parseArgs } from 'node:util';
import { loadProgram, type Program, ProgramError } from '@lingjun/program';

/** Default program file: the illustrative 2025 example shipped in the repository. */
export const DEFAULT_PROGRAM = 'examples/program-2025.json';
/** Default state folder of the local stack. */
export const DEFAULT_STATE = '.lingjun';

/** Signals a usage or input problem already explained to the user; maps to an exit code. */
export class ExitError extends Error {
  constructor(
    message: string,
    readonly code = 2,
  ) {
    super(message);
  }
}

/** Parses options shared by every command (--program, --state, --json) plus the command's own. */
export function parseCommon<O extends NonNullable<ParseArgsConfig['options']>>(
  args: string[],
  options: O,
  usage: string,
) {
  try {
    return parseArgs({
      args,
      options: {
        program: { type: 'string' },
        state: { type: 'string' },
        json: { type: 'boolean', default: false },
        deployment: { type: 'string' },
        ...options,
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new ExitError(`${(error as Error).message}\n用法: ${usage}`);
  }
}

/** Loads the program file or explains why not. */
export async function programFrom(file: string | undefined): Promise<Program> {
  try {
    return await loadProgram(file ?? DEFAULT_PROGRAM);
  } catch (error) {
    if (error instanceof ProgramError) throw new ExitError(error.message, 1);
    throw error;
  }
}

/** Runs a command body, turning ExitError into its message and exit code. */
export async function guarded(fn: () => Promise<number>): Promise<number> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof ExitError) {
      process.stderr.write(`${error.message}\n`);
      return error.code;
    }
    throw error;
  }
}
