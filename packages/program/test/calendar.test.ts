import { describe, expect, it } from 'vitest';
import example from '../../../examples/program-2025.json' with { type: 'json' };
import {
  deadlines,
  isPastDeadline,
  localDate,
  localDateTime,
  parseProgram,
  zonedInstant,
} from '../src/index.ts';

const program = parseProgram(example);
const class1 = program.classes.find((c) => c.no === 1)!;

describe('the calendar in the program time zone', () => {
  it('reads an instant as Beijing wall-clock time', () => {
    expect(localDate(new Date('2025-06-09T16:30:00Z'), 'Asia/Shanghai')).toBe('2025-06-10');
    expect(localDateTime(new Date('2025-06-09T01:05:00Z'), 'Asia/Shanghai')).toBe('2025-06-09 09:05');
  });

  it('keeps the whole deadline day, local time, inclusive', () => {
    expect(isPastDeadline(program, class1, new Date('2025-06-09T23:59:59+08:00'))).toBe(false);
    expect(isPastDeadline(program, class1, new Date('2025-06-10T00:00:00+08:00'))).toBe(true);
  });

  it('finds the instant of a local time without an 8-hour shift', () => {
    expect(zonedInstant('2025-06-06', '09:00', 'Asia/Shanghai').toISOString()).toBe(
      '2025-06-06T01:00:00.000Z',
    );
  });

  it('groups classes by deadline', () => {
    const ds = deadlines(program);
    expect(ds.map((d) => d.date)).toEqual(['2025-06-09', '2025-06-20']);
    expect(ds[1]!.classes.map((c) => c.no)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
  });
});
