import { ConfigError } from '@lingjun/core';
import { deployedProgram } from '@lingjun/program';
import { afterAll, describe, expect, it } from 'vitest';

const EXAMPLE = new URL('../../../examples/program-2025.json', import.meta.url).pathname;
const saved = process.env.LINGJUN_PROGRAM_FILE;

describe('deployedProgram', () => {
  afterAll(() => {
    if (saved === undefined) delete process.env.LINGJUN_PROGRAM_FILE;
    else process.env.LINGJUN_PROGRAM_FILE = saved;
  });

  it('tries again after a failed load instead of keeping the failure, then keeps the program', async () => {
    process.env.LINGJUN_PROGRAM_FILE = '/nonexistent/program.json';
    await expect(deployedProgram()).rejects.toBeInstanceOf(ConfigError);
    process.env.LINGJUN_PROGRAM_FILE = EXAMPLE;
    const program = await deployedProgram();
    expect(program.year).toBe(2025);
    process.env.LINGJUN_PROGRAM_FILE = '/nonexistent/program.json';
    expect(await deployedProgram()).toBe(program);
  });
});
