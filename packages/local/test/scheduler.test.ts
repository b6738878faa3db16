import { setLogSink } from '@lingjun/core';
import { nextFire, type ScheduledJob, startScheduler } from '@lingjun/local';
import { afterEach, describe, expect, it, vi } from 'vitest';

const TZ = 'Asia/Shanghai';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('nextFire', () => {
  const noop = async () => {};

  it('turns local dates and a local time into instants in the program time zone', () => {
    const job: ScheduledJob = {
      name: 'r',
      local: { time: '09:00', dates: ['2025-06-06', '2025-06-08'] },
      handler: noop,
    };
    expect(nextFire(job, TZ, new Date('2025-06-01T00:00:00Z'))?.toISOString()).toBe(
      '2025-06-06T01:00:00.000Z',
    );
    expect(nextFire(job, TZ, new Date('2025-06-06T01:00:00Z'))?.toISOString()).toBe(
      '2025-06-08T01:00:00.000Z',
    );
    expect(nextFire(job, TZ, new Date('2025-06-08T01:00:00Z'))).toBeUndefined();
  });

  it('finds the next daily occurrence across the local midnight', () => {
    const job: ScheduledJob = { name: 'digest', local: { time: '09:00' }, handler: noop };
    // 10:00 in Shanghai: today's 09:00 has passed.
    expect(nextFire(job, TZ, new Date('2025-06-06T02:00:00Z'))?.toISOString()).toBe(
      '2025-06-07T01:00:00.000Z',
    );
    // 23:30 UTC on the 5th is 07:30 on the 6th in Shanghai.
    expect(nextFire(job, TZ, new Date('2025-06-05T23:30:00Z'))?.toISOString()).toBe(
      '2025-06-06T01:00:00.000Z',
    );
  });
});

describe('startScheduler', () => {
  const lines: string[] = [];
  const previousSink = setLogSink({ write: (line) => lines.push(line) });
  afterEach(() => {
    vi.useRealTimers();
    setLogSink(previousSink);
  });

  it('fires each job at its instants, skips past ones, and stops firing after stop()', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const now = new Date('2025-06-06T02:00:00Z'); // 10:00 local
    vi.setSystemTime(now);
    const fired: { name: string; at: string }[] = [];
    const record = (name: string) => async (at: Date) => {
      fired.push({ name, at: at.toISOString() });
    };
    const scheduler = startScheduler(
      [
        {
          name: 'once',
          at: [new Date(now.getTime() - HOUR), new Date(now.getTime() + HOUR)],
          handler: record('once'),
        },
        { name: 'daily', local: { time: '09:00' }, handler: record('daily') },
        { name: 'far', at: [new Date(now.getTime() + 40 * DAY)], handler: record('far') },
      ],
      TZ,
    );
    expect(scheduler.next().map((n) => n.at?.toISOString())).toEqual([
      '2025-06-06T03:00:00.000Z',
      '2025-06-07T01:00:00.000Z',
      '2025-07-16T02:00:00.000Z',
    ]);
    await vi.advanceTimersByTimeAsync(HOUR);
    expect(fired).toEqual([{ name: 'once', at: '2025-06-06T03:00:00.000Z' }]);
    await vi.advanceTimersByTimeAsync(DAY);
    expect(fired.map((f) => f.name)).toEqual(['once', 'daily']);
    expect(fired[1]?.at).toBe('2025-06-07T01:00:00.000Z');
    // Beyond setTimeout's 24.8-day limit the job must neither fire early nor be lost.
    await vi.advanceTimersByTimeAsync(37 * DAY);
    expect(fired.filter((f) => f.name === 'far')).toEqual([]);
    await vi.advanceTimersByTimeAsync(2 * DAY);
    expect(fired.filter((f) => f.name === 'far')).toEqual([{ name: 'far', at: '2025-07-16T02:00:00.000Z' }]);
    const count = fired.length;
    scheduler.stop();
    await vi.advanceTimersByTimeAsync(5 * DAY);
    expect(fired.length).toBe(count);
    expect(vi.getTimerCount()).toBe(0);
    expect(lines.filter((l) => l.includes('"job":"far"'))).toHaveLength(1);
  });
});
