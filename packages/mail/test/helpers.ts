import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import iconv from 'iconv-lite';

const here = dirname(fileURLToPath(import.meta.url));
/** The repository's fixture mail: mail/ (the sample submissions) and corpus/ (other parsers' test mail). */
export const FIXTURES = resolve(here, '../../../test/fixtures');

/** Reads a file from test/fixtures/. */
export function fixtureFile(...parts: string[]): Buffer {
  return readFileSync(join(FIXTURES, ...parts));
}

/** Lists the .eml files of a test/fixtures/ folder. */
export function emlFiles(...parts: string[]): string[] {
  return readdirSync(join(FIXTURES, ...parts))
    .filter((f) => f.endsWith('.eml'))
    .sort();
}

/** GB18030 bytes of a string (what Chinese Windows clients write). */
export function gb(text: string): Buffer {
  return iconv.encode(text, 'gb18030');
}

/** An RFC 2047 B-encoded word of GB18030 bytes under the given label. */
export function gbWord(text: string, label = 'gb2312'): string {
  return `=?${label}?B?${gb(text).toString('base64')}?=`;
}

/** Percent-encodes bytes for an RFC 2231 value. */
export function pct(bytes: Uint8Array): string {
  return [...bytes].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
}

/** Joins strings and byte chunks into one raw message with CRLF line ends for the string parts. */
export function rawMail(...chunks: (string | Buffer)[]): Buffer {
  return Buffer.concat(
    chunks.map((c) => (typeof c === 'string' ? Buffer.from(c.replace(/\r?\n/g, '\r\n'), 'latin1') : c)),
  );
}
