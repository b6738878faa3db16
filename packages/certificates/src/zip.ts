/**
 * Zips of parts compressed beforehand. A certificate is the same template every time but for one XML part and
 * one image, so its static parts are deflated once per process and only what changes is compressed per
 * student; fflate's Zip writes the archive around those bytes (a ZipInputFile with its own compression is
 * fflate's documented way to add data it did not compress itself).
 */
import * as zlib from 'node:zlib';
import { deflateRawSync } from 'node:zlib';
import { Zip, type ZipInputFile } from 'fflate';

/** One part ready for the archive: its bytes as stored (raw deflate or as they are), CRC-32 and size. */
export interface PackedPart {
  name: string;
  /** 8: `data` is raw deflate; 0: `data` is the content itself. */
  method: 0 | 8;
  data: Uint8Array;
  crc: number;
  size: number;
}

const CRC_TABLE = Int32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});

/** CRC-32 in JavaScript: for Node before 20.15, which has no zlib.crc32, and the reference tests hold it to. */
export function crc32Js(bytes: Uint8Array): number {
  let c = -1;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

const nativeCrc = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

/** CRC-32 as zip and PNG store it: zlib's own where Node has it (20.15+), several times faster. */
export function crc32(bytes: Uint8Array): number {
  return nativeCrc ? nativeCrc(bytes) : crc32Js(bytes);
}

/** A part compressed once (method 8, raw deflate at zlib's default level) or stored (method 0). */
export function packPart(name: string, content: Uint8Array, method: 0 | 8): PackedPart {
  const data = method === 8 ? deflateRawSync(content) : content;
  return { name, method, data, crc: crc32(content), size: content.length };
}

/** A zip of the parts in their order, each written as it was packed; entries dated `mtime`. */
export function zipPacked(parts: readonly PackedPart[], mtime: Date | number = Date.now()): Uint8Array {
  const chunks: Uint8Array[] = [];
  let length = 0;
  let failure: Error | null = null;
  const zip = new Zip((err, chunk) => {
    if (err) failure ??= err;
    else {
      chunks.push(chunk);
      length += chunk.length;
    }
  });
  for (const part of parts) {
    const file: ZipInputFile = {
      filename: part.name,
      compression: part.method,
      crc: part.crc,
      size: part.size,
      mtime,
    };
    zip.add(file);
    // Zip.add has set ondata: the whole of the part's stored bytes, in one final chunk.
    // (fflate types its chunks as backed by an ArrayBuffer; it only copies them.)
    file.ondata?.(null, part.data as Uint8Array<ArrayBuffer>, true);
  }
  zip.end();
  if (failure) throw failure;
  const out = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
