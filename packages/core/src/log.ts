import { maskText } from './mask.ts';

type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Where log lines go; tests swap it to capture output. */
export interface LogSink {
  write(line: string): void;
}

let sink: LogSink = { write: (line) => process.stdout.write(`${line}\n`) };
let threshold: Level = (process.env.LINGJUN_LOG_LEVEL as Level | undefined) ?? 'info';

/** Replaces the log sink (tests capture logs to prove no personal data is written). */
export function setLogSink(next: LogSink): LogSink {
  const prev = sink;
  sink = next;
  return prev;
}

/** Sets the minimum level written. */
export function setLogLevel(level: Level): void {
  threshold = level;
}

function emit(level: Level, msg: string, fields?: Record<string, unknown>): void {
  if (ORDER[level] < ORDER[threshold]) return;
  const record = { level, time: new Date().toISOString(), msg, ...fields };
  // Masking the serialised line, not only known fields, catches personal data in error messages too.
  sink.write(maskText(JSON.stringify(record, errorReplacer)));
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    return { name: value.name, message: value.message, cause: value.cause };
  }
  return value;
}

/** Structured JSON logger; every line is passed through maskText. */
export const log = {
  debug: (msg: string, fields?: Record<string, unknown>) => emit('debug', msg, fields),
  info: (msg: string, fields?: Record<string, unknown>) => emit('info', msg, fields),
  warn: (msg: string, fields?: Record<string, unknown>) => emit('warn', msg, fields),
  error: (msg: string, fields?: Record<string, unknown>) => emit('error', msg, fields),
};
