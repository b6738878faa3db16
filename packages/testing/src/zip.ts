/**
 * The one zip writer for test data, written byte by byte so tests can set what real tools set (GBK names
 * without the UTF-8 flag, as Chinese Windows' built-in zip tool writes them) and what attackers set (lying
 * sizes, encrypted flags). Zip libraries set the UTF-8 flag for any non-ASCII name, so they cannot.
 */
import { deflateRawSync } from 'node:zlib';
import iconv from 'iconv-lite';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of data) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** One entry for writeZip. */
export interface TestZipEntry {
  /** A string is written as UTF-8 with the UTF-8 flag; bytes are written as they are, without it. */
  name: string | Uint8Array;
  data: Uint8Array;
  /** Deflate (default) or store. */
  method?: 0 | 8;
  /** Extra general-purpose flag bits, e.g. 1 = encrypted. */
  flags?: number;
  /** Overrides the uncompressed size written in the headers (a liar). */
  declaredSize?: number;
}

// 2025-06-04 18:00 in DOS time, fixed so the same inputs give the same bytes.
const DOS_TIME = 18 << 11;
const DOS_DATE = ((2025 - 1980) << 9) | (6 << 5) | 4;

/** Writes a zip archive byte by byte; a name ending in '/' is a folder. */
export function writeZip(entries: readonly TestZipEntry[]): Uint8Array {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = typeof e.name === 'string' ? Buffer.from(e.name, 'utf8') : Buffer.from(e.name);
    const flags = (typeof e.name === 'string' ? 0x0800 : 0) | (e.flags ?? 0);
    const method = e.method ?? 8;
    const body = method === 8 ? deflateRawSync(e.data) : Buffer.from(e.data);
    const size = e.declaredSize ?? e.data.length;
    const crc = crc32(e.data);
    const folder = name.at(-1) === 0x2f;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(folder ? 0x10 : 0x20, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += 30 + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...locals, cd, end]));
}

/** GBK bytes of a name, as Chinese Windows' built-in zip tool writes it. */
export function gbk(name: string): Uint8Array {
  return new Uint8Array(iconv.encode(name, 'gbk'));
}
