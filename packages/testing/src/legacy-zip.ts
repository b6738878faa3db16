import { gbk, writeZip } from './zip.ts';

/** One entry: a name ending in '/' is a folder. */
export interface LegacyZipEntry {
  name: string;
  data?: Uint8Array;
}

/**
 * A zip as Windows' "send to compressed folder" writes it on a Chinese system: entry names in GBK without the
 * UTF-8 flag (bit 11), folders stored, files deflated.
 */
export function gbkZip(entries: readonly LegacyZipEntry[]): Uint8Array {
  return writeZip(
    entries.map((e) => ({
      name: gbk(e.name),
      data: e.data ?? new Uint8Array(0),
      ...(e.name.endsWith('/') ? { method: 0 as const } : {}),
    })),
  );
}
