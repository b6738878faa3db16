/** Runs the `lingjun` command line in-process and captures what it prints, as a person would read it. */
import { main } from '@lingjun/cli';

/** What one `lingjun` run printed: its exit code, stdout, stderr and the JSON result lines (no log lines). */
export interface CliRun {
  code: number;
  out: string;
  stderr: string;
  json: Record<string, unknown>[];
}

/** Runs `lingjun ARGV…` in this process with stdout and stderr captured. */
export async function runCli(argv: string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((c: string | Uint8Array) => out.push(String(c)) > 0) as typeof process.stdout.write;
  process.stderr.write = ((c: string | Uint8Array) => err.push(String(c)) > 0) as typeof process.stderr.write;
  let code: number;
  try {
    code = await main(argv);
  } finally {
    process.stdout.write = write;
    process.stderr.write = writeErr;
  }
  const text = out.join('');
  return { code, out: text, stderr: err.join(''), json: jsonLines(text) };
}

/** The JSON result lines of a command's output; log lines (which carry a level) are left out. */
export function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((o) => o.level === undefined);
}
