/**
 * Base64 attachment bodies decoded by Node instead of by the MIME parser. postal-mime decodes base64 in
 * JavaScript, line by line, which was a quarter of intake's own work on a typical submission (30 附件5 .docx
 * and two workbooks); Node's decoder is native. The parser still reads every header and the whole structure:
 * each clean base64 body of a file part is swapped for a short marker before parsing, decoded natively, and
 * put back in place of the marker afterwards. A body the two decoders would read differently (base64url
 * characters, padding before its end) is left in the message for the parser, and when any marker does not
 * come back as exactly one attachment the caller parses the original message instead.
 */
import { randomBytes } from 'node:crypto';

/** A message with its file bodies swapped for markers, and those bodies decoded. */
export interface LiftedBodies {
  /** The message the parser reads: every lifted body replaced by its marker's base64. */
  raw: Buffer;
  /** Decoded bodies, by marker number. */
  bodies: Uint8Array[];
  /** The bytes marker i decodes to are `${prefix}${i}\0`. */
  prefix: string;
}

// After the first '=' only padding and blanks: Node's decoder stops at a pad, postal-mime decodes on.
const PAD_TAIL = /^[=\s]*$/;
/** How deep in nested multiparts bodies are lifted. */
const MAX_LIFT_DEPTH = 8;
// Parts whose body postal-mime turns into text or parses as a message: never lifted.
const KEEP_TYPE = /^(?:text\/|message\/|multipart\/|application\/ics$)/;

function headerEnd(buf: Buffer, from: number, to: number): number {
  const part = buf.subarray(from, to);
  const crlf = part.indexOf('\r\n\r\n');
  // A bare-LF blank line counts only before the first CRLF one: searched no further than that.
  const lf = (crlf < 0 ? part : part.subarray(0, crlf + 2)).indexOf('\n\n');
  if (lf >= 0) return from + lf + 2;
  return crlf < 0 ? -1 : from + crlf + 4;
}

interface PartHead {
  type: string;
  boundary: string | null;
  base64: boolean;
  /** More than one Content-Type or Content-Transfer-Encoding: which one the parser takes is its business. */
  ambiguous: boolean;
}

function partHead(text: string): PartHead {
  const unfolded = text.replace(/\r?\n[ \t]+/g, ' ');
  const types = [...unfolded.matchAll(/^content-type:[ \t]*([^\r\n]*)/gim)];
  const ctes = [...unfolded.matchAll(/^content-transfer-encoding:[ \t]*([^\r\n]*)/gim)];
  const ct = types[0]?.[1] ?? '';
  const type = (ct.split(';')[0] ?? '').trim().toLowerCase();
  let boundary: string | null = null;
  if (type.startsWith('multipart/')) {
    const m = /;\s*boundary\s*=\s*(?:"([^"]*)"|([^\s;]+))/i.exec(ct);
    boundary = (m?.[1] ?? m?.[2] ?? '').trimEnd() || null;
  }
  return {
    type,
    boundary,
    base64: (ctes[0]?.[1] ?? '').trim().toLowerCase() === 'base64',
    ambiguous: types.length > 1 || ctes.length > 1 || ct.includes('('),
  };
}

/** Where a line starting at `at` ends (index of its '\n', or the end of the range). */
function lineEnd(buf: Buffer, at: number, to: number): number {
  const nl = buf.indexOf(0x0a, at);
  return nl < 0 || nl > to ? to : nl;
}

/** True when the line at [at, end) is `--boundary` or `--boundary--`, with nothing but blanks after. */
function isDelimiter(buf: Buffer, at: number, end: number, delim: Buffer): boolean {
  if (end - at < delim.length || buf.compare(delim, 0, delim.length, at, at + delim.length) !== 0)
    return false;
  let p = at + delim.length;
  if (buf[p] === 0x2d && buf[p + 1] === 0x2d) p += 2;
  for (; p < end; p++) {
    const c = buf[p];
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return false;
  }
  return true;
}

/** A body range [start, end) to lift, with its decoded bytes. */
interface Lift {
  start: number;
  end: number;
  bytes: Uint8Array;
}

/**
 * Decoded with Node when both decoders read the text alike; the bytes get an ArrayBuffer of their own. Both
 * skip characters outside the base64 alphabet (line breaks, blanks, junk; bodies.test.ts holds them to it)
 * and drop a final lone character. They differ on '-' and '_' (base64url to Node, junk to postal-mime) and
 * on padding before the end, so a body with either stays with postal-mime. Scanning for those three is
 * native; a regular expression over the whole body cost more than decoding it.
 */
function decodeClean(buf: Buffer, start: number, end: number): Uint8Array | null {
  const text = buf.toString('latin1', start, end);
  if (text.includes('-') || text.includes('_')) return null;
  const pad = text.indexOf('=');
  if (pad >= 0 && !PAD_TAIL.test(text.slice(pad))) return null;
  const decoded = Buffer.from(text, 'base64');
  if (decoded.length === 0) return null;
  return decoded.byteOffset === 0 && decoded.buffer.byteLength === decoded.length
    ? decoded
    : new Uint8Array(decoded);
}

/** The next line in [from, to) that is a delimiter of the boundary (the first may start at `from`), or -1. */
function nextDelimiter(buf: Buffer, from: number, to: number, delim: Buffer, lineDelim: Buffer): number {
  if (buf.compare(delim, 0, delim.length, from, Math.min(from + delim.length, to)) === 0) {
    if (isDelimiter(buf, from, lineEnd(buf, from, to), delim)) return from;
  }
  for (let p = from; ; ) {
    const hit = buf.indexOf(lineDelim, p);
    if (hit < 0 || hit + 1 >= to) return -1;
    if (isDelimiter(buf, hit + 1, lineEnd(buf, hit + 1, to), delim)) return hit + 1;
    p = hit + 1;
  }
}

/** Walks the parts of a multipart body in [from, to) and collects the bodies to lift. */
function walkMultipart(
  buf: Buffer,
  from: number,
  to: number,
  boundary: string,
  depth: number,
  out: Lift[],
): boolean {
  // Each level scans its own part of the message again; real clients nest a handful of levels, and parts
  // nested deeper stay with postal-mime, so a hostile nesting costs a bounded number of scans.
  if (depth > MAX_LIFT_DEPTH) return true;
  const delim = Buffer.from(`--${boundary}`, 'latin1');
  const lineDelim = Buffer.concat([Buffer.from('\n'), delim]);
  let at = nextDelimiter(buf, from, to, delim, lineDelim);
  while (at >= 0) {
    // The closing delimiter: what follows is the epilogue.
    if (buf[at + delim.length] === 0x2d && buf[at + delim.length + 1] === 0x2d) return true;
    const partStart = lineEnd(buf, at, to) + 1;
    if (partStart >= to) return true;
    const next = nextDelimiter(buf, partStart, to, delim, lineDelim);
    // No delimiter after it: the part runs to the end (the parser reads it so too); not lifted.
    if (next < 0) return true;
    // The line break before a delimiter belongs to the delimiter.
    const hit = next - 1;
    const partEnd = hit > partStart && buf[hit - 1] === 0x0d ? hit - 1 : hit;
    if (!walkPart(buf, partStart, partEnd, depth + 1, out)) return false;
    at = next;
  }
  return true;
}

function walkPart(buf: Buffer, from: number, to: number, depth: number, out: Lift[]): boolean {
  const bodyStart = headerEnd(buf, from, to);
  if (bodyStart < 0) return true;
  const head = partHead(buf.toString('latin1', from, bodyStart));
  if (head.ambiguous) return true;
  if (head.boundary) return walkMultipart(buf, bodyStart, to, head.boundary, depth, out);
  if (!head.base64 || head.type === '' || KEEP_TYPE.test(head.type) || to <= bodyStart) return true;
  const bytes = decodeClean(buf, bodyStart, to);
  if (bytes) out.push({ start: bodyStart, end: to, bytes });
  return true;
}

/** Lifts the clean base64 file bodies out of a multipart message; null when there is nothing to lift. */
export function liftBase64Bodies(raw: Buffer): LiftedBodies | null {
  const bodyStart = headerEnd(raw, 0, raw.length);
  if (bodyStart < 0) return null;
  const head = partHead(raw.toString('latin1', 0, bodyStart));
  if (!head.boundary || head.ambiguous) return null;
  const lifts: Lift[] = [];
  if (!walkMultipart(raw, bodyStart, raw.length, head.boundary, 0, lifts) || lifts.length === 0) return null;
  // A random prefix: a sender cannot write an attachment that reads as one of our markers.
  const prefix = `\0lingjun-body:${randomBytes(8).toString('hex')}:`;
  const pieces: Buffer[] = [];
  let copied = 0;
  lifts.forEach((l, i) => {
    pieces.push(
      raw.subarray(copied, l.start),
      Buffer.from(Buffer.from(`${prefix}${i}\0`).toString('base64')),
    );
    copied = l.end;
  });
  pieces.push(raw.subarray(copied));
  return { raw: Buffer.concat(pieces), bodies: lifts.map((l) => l.bytes), prefix };
}

/**
 * Puts the lifted bodies back into the parser's attachments, in place; false (attachments untouched) unless
 * every marker came back exactly once, as the whole content of one attachment.
 */
export function restoreBodies<T extends { content: ArrayBuffer | Uint8Array | string }>(
  attachments: T[],
  lifted: LiftedBodies,
): boolean {
  const prefix = Buffer.from(lifted.prefix);
  const found = new Map<number, T>();
  for (const att of attachments) {
    const c = att.content;
    if (typeof c === 'string') continue;
    const bytes =
      c instanceof Uint8Array ? Buffer.from(c.buffer, c.byteOffset, c.byteLength) : Buffer.from(c);
    if (bytes.length <= prefix.length || bytes.indexOf(prefix) < 0) continue;
    const m = /^(\d+)\0$/.exec(bytes.toString('latin1', prefix.length));
    const i = m ? Number(m[1]) : -1;
    if (bytes.indexOf(prefix) !== 0 || !m || i >= lifted.bodies.length || found.has(i)) return false;
    found.set(i, att);
  }
  if (found.size !== lifted.bodies.length) return false;
  for (const [i, att] of found) att.content = lifted.bodies[i] as T['content'];
  return true;
}
