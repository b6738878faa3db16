import { readFile } from 'node:fs/promises';
import { simpleParser } from 'mailparser';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Harness, harness } from '../support/intake.ts';

const sample = (name: string) => readFile(new URL(`../fixtures/mail/${name}`, import.meta.url));
const BEFORE_DEADLINES = '2025-06-05T10:00:00+08:00';

describe('the sample submissions through lingjun ingest', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
  });

  it('gives each sample the outcome its README states, and the first again is a duplicate', async () => {
    const names = [
      'foxmail-hebei-class1.eml',
      'netease-shandong-legacy.eml',
      'outlook-guangdong-zip.eml',
      'qq-zhejiang-errors.eml',
    ];
    const raws = await Promise.all(names.map(sample));
    const [hebei, shandong, guangdong, zhejiang] = await h.ingest(raws, { receivedAt: BEFORE_DEADLINES });

    expect(hebei?.status).toBe('accepted');
    expect(hebei?.region).toEqual({ code: '130000', name: '河北省' });
    expect(hebei?.classes).toEqual([{ no: 1, accepted: 3, rejected: 0, withdrawn: 0 }]);
    expect(hebei?.findings).toEqual([]);

    expect(shandong?.status).toBe('accepted');
    expect(shandong?.region?.code).toBe('370000');
    expect(shandong?.findings).toEqual([]);
    expect(guangdong?.status).toBe('accepted');
    expect(guangdong?.region?.code).toBe('440000');
    expect(guangdong?.findings).toEqual([]);

    expect(zhejiang?.status).toBe('partially_accepted');
    const errors = zhejiang!.findings.filter((f) => f.severity === 'error');
    expect(errors.map((f) => f.code)).toContain('USCC_CHECKSUM');
    const uscc = errors.find((f) => f.code === 'USCC_CHECKSUM' && f.form === '附件4')!;
    expect(uscc.field).toBe('统一社会信用代码');
    expect(uscc.row).toBeGreaterThan(0);
    const warning = zhejiang!.findings.find((f) => f.code === 'NOT_PRINCIPAL' && f.form === '附件4')!;
    expect(warning.severity).toBe('warning');
    expect(zhejiang?.classes[0]).toMatchObject({ accepted: 2, rejected: 1 });
    expect(zhejiang?.reply?.attachments.some((a) => a.endsWith('.xlsx'))).toBe(true);

    const hebeiMail = await simpleParser(raws[0]!);
    expect(await h.repliesTo(hebeiMail.messageId!)).toHaveLength(1);
    const [again] = await h.ingest([raws[0]!], { receivedAt: BEFORE_DEADLINES });
    expect(again?.status).toBe('duplicate');
    expect(again?.reply).toBeNull();
    expect(await h.repliesTo(hebeiMail.messageId!)).toHaveLength(1);
  });
});
