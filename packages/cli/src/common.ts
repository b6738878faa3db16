import { appendFileSync, mkdirSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { LingjunError, type LogSink } from '@lingjun/core';
import { withStack } from '@lingjun/local';
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

/** Asked for by --help / -h: the usage is printed on stdout and the command exits 0. */
export class HelpRequested extends ExitError {
  constructor(usage: string) {
    super(usage, 0);
  }
}

const COMMON_HELP = [
  '通用选项：',
  '  --program 文件   年度培训方案文件（默认 examples/program-2025.json）',
  '  --state 目录     本地服务的状态目录（默认 .lingjun）',
  '  --json           每个结果输出一行 JSON',
  '  --verbose        把运行日志显示在屏幕上（默认写入 日志文件，见 --log）',
  '  --log 文件       运行日志写入的文件（默认 状态目录/lingjun.log）',
  '  --help, -h       显示本帮助',
].join('\n');

/** The help text of a command: its usage line and the options every command takes. */
export function helpText(usage: string): string {
  return `用法: ${usage}\n\n${COMMON_HELP}\n`;
}

/** node:util's parseArgs speaks English; the person at the terminal reads Chinese. */
function parseArgsMessage(error: Error & { code?: string }): string {
  const option = /'(-{1,2}[^'\s,]+)/.exec(error.message)?.[1] ?? '';
  const value = /argument '([^']*)'/.exec(error.message)?.[1] ?? '';
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `不认识的选项 ${option}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return /argument missing/.test(error.message)
        ? `选项 ${option} 后面需要给出一个值`
        : `选项 ${option} 不需要值`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `多余的参数 ${value}`;
    default:
      return `参数有误：${error.message}`;
  }
}

/** Parses options shared by every command (--program, --state, --json) plus the command's own. */
export function parseCommon<O extends NonNullable<ParseArgsConfig['options']>>(
  args: string[],
  options: O,
  usage: string,
) {
  if (args.includes('--help') || args.includes('-h')) throw new HelpRequested(helpText(usage));
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
    throw new ExitError(`${parseArgsMessage(error as Error)}（用法: ${usage}）`);
  }
}

/** A whole number given on the command line, or a one-line explanation of what was expected. */
export function wholeNumber(text: string | undefined, what: string, min = 0): number {
  const t = (text ?? '').trim();
  const n = /^\d+$/.test(t) ? Number(t) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min) {
    throw new ExitError(`${what}应为${min > 0 ? '正' : '非负'}整数，现为“${text ?? ''}”`);
  }
  return n;
}

/** The class the program has with this number, or a one-line explanation listing the classes it has. */
export function classOf(program: Program, text: string | undefined, usage: string) {
  if (text === undefined) throw new ExitError(`请用 --class 指定期次（用法: ${usage}）`);
  const no = wholeNumber(text, '--class 期次', 1);
  const cls = program.classes.find((c) => c.no === no);
  if (!cls) {
    throw new ExitError(
      `${program.year}年度没有第${no}期；本年度的期次为 ${program.classes.map((c) => c.no).join('、')}`,
    );
  }
  return cls;
}

/** The subcommand word (import, summary …); --help before it shows the usage. */
export function subcommand<S extends string>(args: string[], allowed: readonly S[], usage: string): S {
  const sub = args[0] as S;
  if (allowed.includes(sub)) return sub;
  if (args.includes('--help') || args.includes('-h')) throw new HelpRequested(helpText(usage));
  throw new ExitError(
    `${sub ? `不认识的子命令 ${sub}` : '缺少子命令'}：应为 ${allowed.join(' 或 ')}（用法: ${usage}）`,
  );
}

/** Checks every file before any work starts (and before a local stack is started for nothing). */
export async function existingFiles(paths: string[], what: string, usage: string): Promise<void> {
  if (paths.length === 0) throw new ExitError(`请指定${what}（用法: ${usage}）`);
  for (const p of paths) {
    const s = await stat(p).catch(() => undefined);
    if (!s) throw new ExitError(`找不到文件：${p}`);
    if (!s.isFile()) throw new ExitError(`这是一个目录而不是文件：${p}`);
  }
}

let verbose = false;

/**
 * Takes the log options out of the arguments (any command accepts them): `--verbose` shows log lines on
 * stderr; otherwise they go to `--log 文件` or the state folder's lingjun.log, never among the results.
 */
export function takeLogOptions(argv: string[]): { argv: string[]; verbose: boolean; logFile: string } {
  const rest: string[] = [];
  let logFile: string | undefined;
  let state: string | undefined;
  let isVerbose = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--verbose') isVerbose = true;
    else if (a === '--log') logFile = argv[++i];
    else if (a.startsWith('--log=')) logFile = a.slice(6);
    else {
      if (a === '--state') state = argv[i + 1];
      rest.push(a);
    }
  }
  return {
    argv: rest,
    verbose: isVerbose,
    logFile: resolve(logFile ?? `${state ?? DEFAULT_STATE}/lingjun.log`),
  };
}

/** The log sink of the command line: stderr with --verbose, else appended to the log file. */
export function cliLogSink(opts: { verbose: boolean; logFile: string }): LogSink {
  verbose = opts.verbose;
  if (opts.verbose) return { write: (line) => process.stderr.write(`${line}\n`) };
  let ready = false;
  return {
    write: (line) => {
      try {
        if (!ready) mkdirSync(dirname(opts.logFile), { recursive: true });
        ready = true;
        appendFileSync(opts.logFile, `${line}\n`);
      } catch {
        // A log that cannot be written must not stop the command; its results are what matter.
      }
    },
  };
}

/**
 * Runs `fn` against the local stack like withStack, saying on stderr that an embedded stack is starting when
 * that takes a moment (no `lingjun start` running), and when it is ready.
 */
export async function withStackProgress<T>(
  opts: Parameters<typeof withStack>[0],
  fn: Parameters<typeof withStack<T>>[1],
): Promise<T> {
  const started = Date.now();
  let told = false;
  const timer = setTimeout(() => {
    told = true;
    process.stderr.write(
      '正在启动本地服务（DynamoDB Local、S3、SES，约 5–15 秒；先运行 lingjun start 可免去等待）……\n',
    );
  }, 400);
  timer.unref();
  return withStack(opts, async (stack) => {
    clearTimeout(timer);
    if (told) process.stderr.write(`本地服务已就绪（${((Date.now() - started) / 1000).toFixed(1)} 秒）。\n`);
    return fn(stack);
  });
}

/** One line in Chinese for an error that is not the user's input: a missing file, a refused value, a fault. */
export function errorLine(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  const path = e?.path ? String(e.path) : '';
  switch (e?.code) {
    case 'ENOENT':
      return `找不到文件：${path}`;
    case 'EISDIR':
      return `这是一个目录而不是文件：${path}`;
    case 'EACCES':
    case 'EPERM':
      return `没有权限读写：${path}`;
  }
  if (error instanceof LingjunError || error instanceof ProgramError) return error.message;
  if (error instanceof SyntaxError) return `文件内容不是有效的 JSON：${error.message}`;
  return `处理失败：${(error as Error)?.message ?? String(error)}（加 --verbose 查看详情）`;
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

/** Runs a command body: help on stdout, every problem as one line on stderr (the stack only with --verbose). */
export async function guarded(fn: () => Promise<number>): Promise<number> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof HelpRequested) {
      process.stdout.write(error.message);
      return 0;
    }
    if (error instanceof ExitError) {
      process.stderr.write(`${error.message}\n`);
      return error.code;
    }
    process.stderr.write(`${errorLine(error)}\n`);
    if (verbose && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    return 1;
  }
}
