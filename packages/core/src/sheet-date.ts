/**
 * Dates as spreadsheets hold them. A date cell comes back from a reader as a Date at UTC or at local
 * midnight, depending on the reader; a date typed into a General cell comes back as Excel's serial number.
 */

/** A calendar day. */
export interface CalendarDay {
  y: number;
  m: number;
  d: number;
}

const DAY_MS = 86_400_000;
// From serial 61 (1 March 1900) on, serial n is n days after 1899-12-30. Excel, copying Lotus 1-2-3, counts
// a 29 February 1900 (serial 60) that never was, so serials 1-59 are n days after 1899-12-31.
const EPOCH_FROM_MARCH_1900 = Date.UTC(1899, 11, 30);
const EPOCH_BEFORE_MARCH_1900 = Date.UTC(1899, 11, 31);

function dayOf(ms: number): CalendarDay {
  const t = new Date(ms);
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

/**
 * The calendar day of a spreadsheet date: a date cell, or a serial number of Excel's 1900 date system (its
 * time of day ignored); undefined for an invalid date, a serial below 1, and serial 60 (1900-02-29).
 */
export function spreadsheetDay(value: Date | number): CalendarDay | undefined {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) return undefined;
    // Half a day either way absorbs the reader's time-zone offset, so 1975-06-01 never becomes May.
    return dayOf(value.getTime() + 12 * 3600_000);
  }
  if (!Number.isFinite(value) || value < 1) return undefined;
  const serial = Math.floor(value);
  if (serial === 60) return undefined;
  return dayOf((serial < 60 ? EPOCH_BEFORE_MARCH_1900 : EPOCH_FROM_MARCH_1900) + serial * DAY_MS);
}

/** YYYY-MM-DD of a calendar day. */
export function isoDay({ y, m, d }: CalendarDay): string {
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}
