import { parseProgram } from '@lingjun/program';
import { describe, expect, it } from 'vitest';
import { endedClasses, hasEnded } from '../src/job.ts';

const program = parseProgram({
  year: 2025,
  title: '示例（测试用）',
  mailbox: 'jiayue@example.cn',
  adminEmails: ['bureau@example.cn'],
  timezone: 'Asia/Shanghai',
  classes: [
    { no: 1, start: '2025-06-23', end: '2025-06-26', location: '北京', deadline: '2025-06-09' },
    {
      no: 2,
      start: '2025-07-07',
      end: '2025-07-10',
      location: '杭州',
      deadline: '2025-06-20',
      endsAt: '12:00',
    },
  ],
  quotas: {},
});

describe('a class has ended once its last half-day is over', () => {
  it('the 20:00 run on the last day finds the class ended; the morning of that day does not', () => {
    const cls = program.classes[0]!;
    expect(hasEnded(program, cls, new Date('2025-06-26T20:00:00+08:00'))).toBe(true);
    expect(hasEnded(program, cls, new Date('2025-06-26T18:00:00+08:00'))).toBe(true);
    expect(hasEnded(program, cls, new Date('2025-06-26T17:59:00+08:00'))).toBe(false);
    expect(hasEnded(program, cls, new Date('2025-06-26T09:00:00+08:00'))).toBe(false);
    expect(endedClasses(program, new Date('2025-06-26T20:00:00+08:00')).map((c) => c.no)).toEqual([1]);
    expect(endedClasses(program, new Date('2025-06-25T20:00:00+08:00'))).toEqual([]);
  });

  it('takes the time the program gives for a class that ends at noon', () => {
    const cls = program.classes[1]!;
    expect(hasEnded(program, cls, new Date('2025-07-10T12:30:00+08:00'))).toBe(true);
    expect(hasEnded(program, cls, new Date('2025-07-10T11:00:00+08:00'))).toBe(false);
  });

  it('refuses an end time that is no time of day', () => {
    expect(() =>
      parseProgram({
        ...program,
        classes: [{ ...program.classes[0]!, endsAt: '25:00' }],
      }),
    ).toThrow(/HH:MM/);
  });
});
