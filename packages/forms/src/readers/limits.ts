/**
 * Limits that keep one hostile attachment from exhausting a Lambda's memory or time. Each number is chosen
 * against what real submissions look like, with the reason next to it.
 */

/**
 * Bytes we are willing to inflate for one attachment, counting every zip entry and every part of every
 * workbook or document inside it. A real 附件4 or 附件5 is well under 1 MiB uncompressed; the largest honest
 * file we expect is a sheet whose 1,048,576 rows all carry a style (WPS writes each as `<row …/>`), which
 * measured about 50 MB of XML. 128 MiB admits that, while the parsers' working copies (about 3-5x) still fit
 * a 1 GB Lambda.
 */
export const MAX_TOTAL_UNCOMPRESSED = 128 * 1024 * 1024;

/**
 * Zip entries per archive. A .docx has about 20 parts and a province's zip holds at most a few dozen forms
 * (one 附件5 per student); 1000 is far above both, and stops archives built of masses of tiny entries.
 */
export const MAX_ENTRIES = 1000;

/**
 * Largest uncompressed/compressed ratio for an entry bigger than RATIO_MIN_BYTES. Office XML compresses
 * 5-20x; the million-empty-styled-rows sheet measured about 19x. Deflate bombs sit near its ceiling of
 * 1032x, so 200 separates them from every real file with room to spare.
 */
export const MAX_RATIO = 200;

/** Entries smaller than this are never refused for their ratio: a tiny, very repetitive part is harmless. */
export const RATIO_MIN_BYTES = 1024 * 1024;

/**
 * Rows with content per grid. A 附件4 lists one region's students for one class (quotas are tens, not
 * thousands); 10,000 keeps an honest but oversized sheet readable while bounding the rows, and the findings,
 * that later layers produce. A sheet with content beyond this row is refused, not silently cut.
 */
export const MAX_ROWS = 10_000;

/** Zip inside zip: an archive of per-class archives is plausible, deeper nesting is a bomb pattern. */
export const MAX_ZIP_DEPTH = 2;

/** The limits a caller may tighten (tests do, to exercise them cheaply). */
export interface ReadLimits {
  maxTotalUncompressed: number;
  maxEntries: number;
  maxRatio: number;
  maxRows: number;
  maxZipDepth: number;
}

/** The limits used when a caller gives none. */
export const DEFAULT_LIMITS: ReadLimits = {
  maxTotalUncompressed: MAX_TOTAL_UNCOMPRESSED,
  maxEntries: MAX_ENTRIES,
  maxRatio: MAX_RATIO,
  maxRows: MAX_ROWS,
  maxZipDepth: MAX_ZIP_DEPTH,
};

/** Running count of inflated bytes for one attachment, shared by nested archives and OOXML parts. */
export class InflateBudget {
  used = 0;
  constructor(readonly limits: ReadLimits) {}

  /** Bytes still allowed. */
  get remaining(): number {
    return this.limits.maxTotalUncompressed - this.used;
  }
}
