/**
 * The local stack's clock. A rehearsal clock starts at a chosen instant and runs forward at real speed, so
 * the bureau can rehearse a season before it opens and the README's try-it path works on any date. It is
 * passed to what needs the time (SMTP receipt, scheduler, intake, commands run against the stack); nothing
 * patches Date.
 */

/** A source of "now" for the local stack. */
export interface Clock {
  now(): Date;
  /** How far ahead of real time this clock runs, in ms; 0 for the real clock. */
  readonly offsetMs: number;
}

/** Real time. */
export const REAL_CLOCK: Clock = { now: () => new Date(), offsetMs: 0 };

/** A clock running at real speed, `offsetMs` ahead of real time (behind when negative). */
export function offsetClock(offsetMs: number): Clock {
  if (offsetMs === 0) return REAL_CLOCK;
  return { now: () => new Date(Date.now() + offsetMs), offsetMs };
}

/** A clock that reads `start` now and runs forward from there. */
export function rehearsalClock(start: Date, realNow: number = Date.now()): Clock {
  return offsetClock(start.getTime() - realNow);
}

/** True when the clock is not real time. */
export function isRehearsal(clock: Clock): boolean {
  return clock.offsetMs !== 0;
}

/** Parses a --clock value: an ISO 8601 instant with its offset (2025-06-05T10:00:00+08:00). */
export function parseClockStart(text: string): Date {
  // Without an offset the instant would depend on this machine's time zone, not the program's.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) {
    throw new RangeError(`--clock 需要带时区的时间，如 2025-06-05T10:00:00+08:00：${text}`);
  }
  const at = new Date(text);
  if (Number.isNaN(at.getTime())) throw new RangeError(`--clock 不是有效时间：${text}`);
  return at;
}

/** The clock's time in a zone as people read it, with what it governs (the `lingjun start` banner). */
export function clockText(clock: Clock, timeZone: string): string {
  const local = clock.now().toLocaleString('sv-SE', { timeZone, hour12: false }).replace(' ', 'T');
  return `${local}（${timeZone}，演练时钟，从此刻起向前走：收件时间、定时任务和对本环境运行的命令都按它）/ rehearsal clock`;
}
