import type { Mailer } from '@lingjun/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { configFromEnv } from '../src/config.ts';
import { pacedMailer } from '../src/paced.ts';

const env = { LINGJUN_TABLE: 't', LINGJUN_VERIFY_TABLE: 'v', LINGJUN_BUCKET: 'b' };

describe('pacedMailer', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  /** A mailer that notes when (on the fake clock) each send reached it. */
  function recording(): { mailer: Mailer; startedAt: number[] } {
    const startedAt: number[] = [];
    return {
      startedAt,
      mailer: {
        async sendRaw() {
          startedAt.push(Date.now());
          return `id-${startedAt.length}`;
        },
      },
    };
  }

  it('starts no more sends in any second than the rate, and every send goes out', async () => {
    const { mailer, startedAt } = recording();
    const paced = pacedMailer(mailer, 3);
    const t0 = Date.now();
    const ids = Promise.all(
      Array.from({ length: 10 }, () => paced.sendRaw({ from: 'a@x', to: ['b@x'], raw: new Uint8Array() })),
    );
    await vi.advanceTimersByTimeAsync(5000);
    expect(await ids).toHaveLength(10);
    expect(startedAt).toHaveLength(10);
    const offsets = startedAt.map((t) => t - t0);
    for (const start of offsets) {
      expect(offsets.filter((t) => t >= start && t < start + 1000).length).toBeLessThanOrEqual(3);
    }
    // Paced, not serialised one per second: the first three leave at once.
    expect(offsets.slice(0, 3)).toEqual([0, 0, 0]);
  });

  it('paces a rate under one per second as one send per interval', async () => {
    const { mailer, startedAt } = recording();
    const paced = pacedMailer(mailer, 0.5);
    const t0 = Date.now();
    const sends = Promise.all(
      [1, 2, 3].map(() => paced.sendRaw({ from: 'a@x', to: ['b@x'], raw: new Uint8Array() })),
    );
    await vi.advanceTimersByTimeAsync(10_000);
    await sends;
    const offsets = startedAt.map((t) => t - t0);
    expect(offsets[1]! - offsets[0]!).toBeGreaterThanOrEqual(2000);
    expect(offsets[2]! - offsets[1]!).toBeGreaterThanOrEqual(2000);
  });
});

describe('LINGJUN_SEND_RATE', () => {
  it('is read as messages per second, and absent means unpaced', () => {
    expect(configFromEnv({ ...env, LINGJUN_SEND_RATE: '14' }).sendRate).toBe(14);
    expect(configFromEnv(env).sendRate).toBeUndefined();
  });

  it('refuses a rate that is not a positive number', () => {
    expect(() => configFromEnv({ ...env, LINGJUN_SEND_RATE: '0' })).toThrow(/LINGJUN_SEND_RATE/);
    expect(() => configFromEnv({ ...env, LINGJUN_SEND_RATE: 'fast' })).toThrow(/LINGJUN_SEND_RATE/);
  });
});
