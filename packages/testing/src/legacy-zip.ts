/**
 * A zip as Windows' "send to compressed folder" writes it on a Chinese system: entry names in GBK without the
 * UTF-8 flag (bit 11). Zip libraries set the flag for any non-ASCII name, so this writes the headers itself.
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

/** One entry: a name ending in '/' is a folder. */
export interface LegacyZipEntry {
  name: string;
  data?: Uint8Array;
}

/** Writes a deflated zip whose entry names are GBK bytes without the UTF-8 flag. */
export function gbkZip(entries: readonly LegacyZipEntry[]): Uint8Array {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  // 2025-06-04 18:00 in DOS time, fixed so the same inputs give the same bytes.
  const dosTime = (18 << 11) | (0 << 5);
  const dosDate = ((2025 - 1980) << 9) | (6 << 5) | 4;
  for (const e of entries) {
    const name = iconv.encode(e.name, 'gbk');
    const data = e.data ?? new Uint8Array(0);
    const folder = e.name.endsWith('/');
    const method = folder ? 0 : 8;
    const body = folder ? Buffer.alloc(0) : deflateRawSync(data);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(dosTime, 10);
    local.writeUInt16LE(dosDate, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(dosTime, 12);
    central.writeUInt16LE(dosDate, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(folder ? 0x10 : 0x20, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
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
