import { maskText } from '@lingjun/core';

/**
 * `lingjun` command dispatcher. Each command lives in its own module under ./commands and is loaded only
 * when called, so `lingjun verify` does not pay for loading exceljs and docx.
 */
export interface Command {
  /** One line shown by `lingjun help`. */
  summary: string;
  /** Its usage line, shown by `--help` (lingjun 命令 --help). */
  usage?: string;
  /** Runs the command with the arguments after its name; resolves to the process exit code. */
  run(args: string[]): Promise<number>;
}

type Loader = () => Promise<{ command: Command }>;

/** Command name (words joined by a space, e.g. 'program import') → module. Longest name wins. */
const COMMANDS: Record<string, Loader> = {};

/** Registers a command module; used by the table below so the list stays in one place. */
function register(name: string, loader: Loader): void {
  COMMANDS[name] = loader;
}

// Commands are added here as they land (start, program import, templates, ingest, …).
register('start', () => import('./commands/start.ts'));
register('ingest', () => import('./commands/ingest.ts'));
register('send', () => import('./commands/send.ts'));
register('approve', async () => ({ command: (await import('./commands/review.ts')).approve }));
register('reject', async () => ({ command: (await import('./commands/review.ts')).reject }));
register('templates', () => import('./commands/templates.ts'));
register('program import', () => import('./commands/program-import.ts'));
register('attendance', () => import('./commands/attendance.ts'));
register('certificates', () => import('./commands/certificates.ts'));
register('verify', () => import('./commands/verify.ts'));
register('revoke', () => import('./commands/revoke.ts'));
register('evaluation', () => import('./commands/evaluation.ts'));
register('remind', () => import('./commands/remind.ts'));
register('report status', () => import('./commands/report.ts'));
register('report digest', async () => ({ command: (await import('./commands/report.ts')).digest }));
register('report underfill', async () => ({ command: (await import('./commands/report.ts')).underfill }));
register('roster', () => import('./commands/roster.ts'));
register('quota set', () => import('./commands/quota.ts'));
register('program publish', async () => ({ command: (await import('./commands/program.ts')).publish }));
register('program show', async () => ({ command: (await import('./commands/program.ts')).show }));

/** Runs the command line; returns the exit code. */
export async function main(all: string[]): Promise<number> {
  // --verbose and --log choose where log lines go (bin/lingjun.mjs); no command sees them.
  const { takeLogOptions } = await import('./common.ts');
  const { argv } = takeLogOptions(all);
  const names = Object.keys(COMMANDS).sort((a, b) => b.split(' ').length - a.split(' ').length);
  for (const name of names) {
    const words = name.split(' ');
    if (words.every((w, i) => argv[i] === w)) {
      const { command } = await COMMANDS[name]!();
      const args = argv.slice(words.length);
      if (args.includes('--help') || args.includes('-h')) {
        const { helpText } = await import('./common.ts');
        process.stdout.write(`${command.summary}\n\n${helpText(command.usage ?? `lingjun ${name} [选项]`)}`);
        return 0;
      }
      return masked(() => command.run(args));
    }
  }
  if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
    process.stdout.write('用法: lingjun <命令> [选项]（每个命令加 --help 查看其用法）\n\n');
    for (const name of Object.keys(COMMANDS).sort()) {
      const { command } = await COMMANDS[name]!();
      process.stdout.write(`  ${name.padEnd(20)} ${command.summary}\n`);
    }
    return argv.length === 0 ? 1 : 0;
  }
  process.stderr.write(`未知命令: ${argv.join(' ')}（运行 lingjun help 查看全部命令）\n`);
  return 2;
}

/**
 * Every line a command prints (its text, its --json, an error) leaves the system: IDs and mobiles are masked
 * here, once for all commands, rather than at each of their writes. Files a command writes are not affected.
 */
async function masked(run: () => Promise<number>): Promise<number> {
  const streams = [process.stdout, process.stderr] as const;
  const writes = streams.map((s) => s.write);
  streams.forEach((stream, i) => {
    const write = writes[i]!;
    stream.write = ((chunk: unknown, ...rest: unknown[]) =>
      (write as (...a: unknown[]) => boolean).call(
        stream,
        typeof chunk === 'string' ? maskText(chunk) : chunk,
        ...rest,
      )) as typeof stream.write;
  });
  try {
    return await run();
  } finally {
    streams.forEach((stream, i) => {
      stream.write = writes[i]!;
    });
  }
}

export { register };
