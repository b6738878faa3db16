import { readFile } from 'node:fs/promises';
import { ConfigError } from '@lingjun/core';
import { type Program, programSchema } from './schema.ts';

/** One problem in a program file: where (a JSON path such as classes[2].deadline) and what. */
export interface ProgramIssue {
  path: string;
  message: string;
}

/** Raised when a program file breaks the schema; lists every problem with its path. */
export class ProgramError extends ConfigError {
  override readonly name = 'ProgramError';
  constructor(
    readonly source: string,
    readonly issues: ProgramIssue[],
  ) {
    super(
      `程序文件 ${source} 有误：\n${issues.map((i) => `  ${i.path || '(根)'}: ${i.message}`).join('\n')}`,
    );
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, p) => {
    if (typeof p === 'number') return `${acc}[${p}]`;
    return acc ? `${acc}.${String(p)}` : String(p);
  }, '');
}

/** Validates parsed JSON as a program; throws ProgramError naming every bad path. */
export function parseProgram(data: unknown, source = 'program'): Program {
  const result = programSchema.safeParse(data);
  if (!result.success) {
    throw new ProgramError(
      source,
      result.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })),
    );
  }
  return result.data;
}

/** Reads and validates a program file. */
export async function loadProgram(file: string): Promise<Program> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new ProgramError(file, [{ path: '', message: `无法读取文件：${(cause as Error).message}` }]);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (cause) {
    throw new ProgramError(file, [{ path: '', message: `不是有效的 JSON：${(cause as Error).message}` }]);
  }
  return parseProgram(data, file);
}
