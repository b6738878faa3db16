/**
 * A small zip reader of our own, because the attachment decides everything about it: we need the raw bytes
 * of entry names (Chinese Windows writes GBK names without the UTF-8 flag), the declared sizes before
 * inflating anything, and a hard stop while inflating. Nothing is ever written to disk.
 */
import { inflateRawSync } from 'node:zlib';
import { decodeUnlabelled, UnreadableFileError } from '@lingjun/core';
import type { InflateBudget } from './limits.ts';
import { RATIO_MIN_BYTES } from './limits.ts';
import { REASONS } from './reasons.ts';

/** One entry of a zip's central directory. */
export interface ZipEntry {
  /** Decoded name with `/` separators, as the sender's zip tool shows it. */
  name: string;
  flags: number;
  method: number;
  compressedSize: number;
  size: number;
  localOffset: number;
  /** Offset of the entry's data, after its local header. */
  dataOffset: number;
}

const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_EOCD64_LOCATOR = 0x07064b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;
const FLAG_ENCRYPTED = 0x0001;
const FLAG_UTF8 = 0x0800;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function corrupt(cause?: unknown): UnreadableFileError {
  return new UnreadableFileError(REASONS.corrupt, { cause });
}

function u64(view: DataView, at: number): number {
  const v = view.getBigUint64(at, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt();
  return Number(v);
}

/** True when the bytes start like a zip (local header, or an empty archive's end record). */
export function isZip(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 4 &&
    bytes[0] === 0x50 &&
    bytes[1] === 0x4b &&
    ((bytes[2] === 3 && bytes[3] === 4) || (bytes[2] === 5 && bytes[3] === 6))
  );
}

function decodeName(raw: Uint8Array, flags: number, unicodeExtra: string | undefined): string {
  if (unicodeExtra !== undefined) return unicodeExtra;
  if (flags & FLAG_UTF8) return new TextDecoder('utf-8').decode(raw);
  // Without the flag the bytes are in the writer's code page: GBK from Chinese Windows, UTF-8 from macOS,
  // which writes it without setting the flag.
  return decodeUnlabelled(raw);
}

/**
 * Lists a zip's entries and checks the declared sizes against the limits before anything is inflated.
 * Throws UnreadableFileError for a corrupt archive, too many entries, a bomb-like ratio or overlapping entries.
 */
export function listZip(bytes: Uint8Array, budget: InflateBudget): ZipEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = bytes.length;
  let eocd = -1;
  // The end record is 22 bytes plus a comment of at most 65535.
  for (let i = len - 22; i >= Math.max(0, len - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === SIG_EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw corrupt();
  let count = view.getUint16(eocd + 10, true);
  let cdOffset = view.getUint32(eocd + 16, true);
  if ((count === 0xffff || cdOffset === 0xffffffff) && eocd >= 20) {
    if (view.getUint32(eocd - 20, true) !== SIG_EOCD64_LOCATOR) throw corrupt();
    const at = u64(view, eocd - 12);
    if (at + 56 > len || view.getUint32(at, true) !== SIG_EOCD64) throw corrupt();
    count = u64(view, at + 32);
    cdOffset = u64(view, at + 48);
  }
  const { limits } = budget;
  if (count > limits.maxEntries) throw new UnreadableFileError(REASONS.tooManyEntries(limits.maxEntries));

  const entries: ZipEntry[] = [];
  let p = cdOffset;
  let declaredTotal = 0;
  for (let n = 0; n < count; n++) {
    if (p + 46 > len || view.getUint32(p, true) !== SIG_CENTRAL) throw corrupt();
    const flags = view.getUint16(p + 8, true);
    const method = view.getUint16(p + 10, true);
    let compressedSize = view.getUint32(p + 20, true);
    let size = view.getUint32(p + 24, true);
    const nameLen = view.getUint16(p + 28, true);
    const extraLen = view.getUint16(p + 30, true);
    const commentLen = view.getUint16(p + 32, true);
    let localOffset = view.getUint32(p + 42, true);
    const nameStart = p + 46;
    const extraStart = nameStart + nameLen;
    const next = extraStart + extraLen + commentLen;
    if (next > len) throw corrupt();
    const raw = bytes.subarray(nameStart, extraStart);
    let unicodeName: string | undefined;
    for (let e = extraStart; e + 4 <= extraStart + extraLen; ) {
      const id = view.getUint16(e, true);
      const size2 = view.getUint16(e + 2, true);
      const body = e + 4;
      if (body + size2 > extraStart + extraLen) break;
      if (id === 0x0001) {
        // Zip64: only the fields saturated in the fixed header are present, in this order.
        let q = body;
        if (size === 0xffffffff && q + 8 <= body + size2) {
          size = u64(view, q);
          q += 8;
        }
        if (compressedSize === 0xffffffff && q + 8 <= body + size2) {
          compressedSize = u64(view, q);
          q += 8;
        }
        if (localOffset === 0xffffffff && q + 8 <= body + size2) localOffset = u64(view, q);
      } else if (id === 0x7075 && size2 > 5) {
        // Info-ZIP Unicode Path: the writer's own UTF-8 copy of a code-page name.
        try {
          unicodeName = utf8.decode(bytes.subarray(body + 5, body + size2));
        } catch {
          unicodeName = undefined;
        }
      }
      e = body + size2;
    }
    if (localOffset + 30 > len || view.getUint32(localOffset, true) !== SIG_LOCAL) throw corrupt();
    const dataOffset =
      localOffset + 30 + view.getUint16(localOffset + 26, true) + view.getUint16(localOffset + 28, true);
    if (dataOffset + compressedSize > len) throw corrupt();
    if (size > RATIO_MIN_BYTES && size / Math.max(1, compressedSize) > limits.maxRatio) {
      throw new UnreadableFileError(REASONS.ratio);
    }
    declaredTotal += size;
    entries.push({
      name: decodeName(raw, flags, unicodeName).replace(/\\/g, '/'),
      flags,
      method,
      compressedSize,
      size,
      localOffset,
      dataOffset,
    });
    p = next;
  }
  if (declaredTotal > budget.remaining) throw new UnreadableFileError(REASONS.tooLarge);
  // Entries sharing data is how "overlapping" bombs reach huge sizes with a normal ratio; real zips never do it.
  const byOffset = [...entries].sort((a, b) => a.localOffset - b.localOffset);
  for (let i = 1; i < byOffset.length; i++) {
    const prev = byOffset[i - 1]!;
    if (byOffset[i]!.localOffset < prev.dataOffset + prev.compressedSize) {
      throw new UnreadableFileError(REASONS.ratio);
    }
  }
  return entries;
}

/**
 * Inflates one entry, refusing to produce more than it declared or than the budget has left; the check is
 * enforced by zlib while inflating, so a lying header cannot make us allocate more.
 */
export function inflateEntry(bytes: Uint8Array, entry: ZipEntry, budget: InflateBudget): Uint8Array {
  if (entry.flags & FLAG_ENCRYPTED || entry.method === 99)
    throw new UnreadableFileError(REASONS.zipEncrypted);
  if (entry.size > budget.remaining) throw new UnreadableFileError(REASONS.tooLarge);
  const data = bytes.subarray(entry.dataOffset, entry.dataOffset + entry.compressedSize);
  let out: Uint8Array;
  if (entry.method === 0) {
    if (entry.compressedSize !== entry.size) throw corrupt();
    out = data;
  } else if (entry.method === 8) {
    try {
      out = inflateRawSync(data, { maxOutputLength: Math.max(1, entry.size) });
    } catch (cause) {
      if ((cause as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new UnreadableFileError(REASONS.tooLarge, { cause });
      }
      throw corrupt(cause);
    }
    if (out.length !== entry.size) throw corrupt();
  } else {
    throw new UnreadableFileError(REASONS.zipMethod(entry.method));
  }
  budget.used += out.length;
  return out;
}
