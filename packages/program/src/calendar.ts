import type { Program, ProgramClass } from './schema.ts';

/** Local time of the daily course-end run (certificates go out the evening a class ends). */
export const COURSE_END_TIME = '20:00';

/**
 * One formatter per time zone and pattern: building an Intl.DateTimeFormat loads locale data and cost more
 * than formatting with it (intake asks for the local date once per candidate).
 */
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(locale: string, options: Intl.DateTimeFormatOptions & { timeZone: string }) {
  const key = `${locale} ${JSON.stringify(options)}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, options);
    formatters.set(key, f);
  }
  return f;
}

/** The wall-clock date (YYYY-MM-DD) of an instant in a time zone. */
export function localDate(at: Date, timeZone: string): string {
  const parts = formatter('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(at);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** The wall-clock date and time (YYYY-MM-DD HH:MM) of an instant in a time zone, as people read it. */
export function localDateTime(at: Date, timeZone: string): string {
  const time = formatter('zh-CN', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(
    at,
  );
  return `${localDate(at, timeZone)} ${time}`;
}

/** The offset of a time zone from UTC at an instant, in minutes (Asia/Shanghai → 480). */
export function zoneOffsetMinutes(at: Date, timeZone: string): number {
  const parts = formatter('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(at);
  const n = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  const asUtc = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second'));
  return Math.round((asUtc - Math.floor(at.getTime() / 1000) * 1000) / 60000);
}

/** The instant at which a local date and time (HH:MM) occurs in a time zone. */
export function zonedInstant(date: string, time: string, timeZone: string): Date {
  const guess = new Date(`${date}T${time}:00Z`);
  const offset = zoneOffsetMinutes(guess, timeZone);
  return new Date(guess.getTime() - offset * 60000);
}

/** True when a message received at `receivedAt` is after the class's deadline (inclusive local day). */
export function isPastDeadline(program: Program, cls: ProgramClass, receivedAt: Date): boolean {
  return localDate(receivedAt, program.timezone) > cls.deadline;
}

/** When a class's last half-day ends unless the program says otherwise: the afternoon session is over by then. */
export const CLASS_ENDS_AT = '18:00';

/** The instant a class has ended: its last half-day is over (the end date at `endsAt`, local time). */
export function classEndsAt(program: Program, cls: ProgramClass): Date {
  return zonedInstant(cls.end, cls.endsAt ?? CLASS_ENDS_AT, program.timezone);
}

/** The class with this number, if the program has it. */
export function findClass(program: Program, no: number): ProgramClass | undefined {
  return program.classes.find((c) => c.no === no);
}

/** The distinct deadlines of the program in order, each with the classes due then. */
export function deadlines(program: Program): { date: string; classes: ProgramClass[] }[] {
  const map = new Map<string, ProgramClass[]>();
  for (const c of [...program.classes].sort((a, b) => a.no - b.no)) {
    const list = map.get(c.deadline) ?? [];
    list.push(c);
    map.set(c.deadline, list);
  }
  return [...map.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([date, classes]) => ({ date, classes }));
}
