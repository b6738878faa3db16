import type { Mailer } from '@lingjun/core';
import { describe, expect, it } from 'vitest';
import { lazyMailer } from '../src/adapters.ts';

const message = { from: 'a@b.cn', to: ['c@d.cn'], raw: new Uint8Array([1]) };

describe('lazyMailer', () => {
  it('builds the real mailer on the first send only, and reuses it', async () => {
    let loads = 0;
    const sent: string[][] = [];
    const mailer = lazyMailer(async () => {
      loads++;
      return {
        async sendRaw(m) {
          sent.push(m.to);
          return `id-${sent.length}`;
        },
      } satisfies Mailer;
    });
    expect(loads).toBe(0);
    expect(await mailer.sendRaw(message)).toBe('id-1');
    expect(await mailer.sendRaw(message)).toBe('id-2');
    expect(loads).toBe(1);
    expect(sent).toEqual([['c@d.cn'], ['c@d.cn']]);
  });

  it('tries loading again after a failed load instead of keeping the failure', async () => {
    let loads = 0;
    const mailer = lazyMailer(async () => {
      loads++;
      if (loads === 1) throw new Error('chunk missing');
      return { sendRaw: async () => 'ok' };
    });
    await expect(mailer.sendRaw(message)).rejects.toThrow('chunk missing');
    expect(await mailer.sendRaw(message)).toBe('ok');
    expect(loads).toBe(2);
  });
});
