/** The steps that write nothing: assembling the forms against the region, and concluding the outcome. */
import { parseInbound } from '@lingjun/mail';
import { finding } from '@lingjun/rules';
import { describe, expect, it } from 'vitest';
import { testProgram } from '../../../../test/support/intake.ts';
import { people, submission } from '../../../../test/support/submission.ts';
import { assembleStep, concludeOutcome } from '../../src/pipeline.ts';
import { readForms } from '../../src/steps/forms.ts';
import type { ClassResult } from '../../src/steps/record.ts';

const IN_TIME = new Date('2025-06-05T02:00:00Z');
const LATE = new Date('2025-06-15T02:00:00Z');

async function hebeiForms(n: number, seed: number) {
  const program = await testProgram();
  const sub = await submission({
    program,
    from: 'hbzxqy@163.com',
    region: '河北',
    classNo: 1,
    people: people(n, seed),
  });
  const read = await readForms(await parseInbound(sub.raw), program);
  return { program, forms: read.forms };
}

describe('assembleStep', () => {
  it('groups a 河北 list by class, in time, with no region warning for 河北', async () => {
    const { program, forms } = await hebeiForms(2, 1201);
    const a = assembleStep(program, IN_TIME, '130000', forms);
    expect([...a.classes.keys()]).toEqual([1]);
    expect(a.classes.get(1)?.length).toBe(2);
    expect(a.late.size).toBe(0);
    expect(a.loose).toEqual([]);
    const codes = (a.classes.get(1) ?? []).flatMap((c) => c.findings.map((f) => f.code));
    expect(codes).not.toContain('ENTERPRISE_REGION_MISMATCH');
  });

  it('warns on every student whose enterprise is outside the region the email is for', async () => {
    const { program, forms } = await hebeiForms(2, 1202);
    const a = assembleStep(program, IN_TIME, '140000', forms);
    for (const c of a.classes.get(1) ?? []) {
      const w = c.findings.filter((f) => f.code === 'ENTERPRISE_REGION_MISMATCH');
      expect(w).toHaveLength(1);
      expect(w[0]).toMatchObject({ field: '统一社会信用代码', classNo: 1, student: c.name });
    }
  });

  it('marks a class received after its deadline as late', async () => {
    const { program, forms } = await hebeiForms(1, 1203);
    const a = assembleStep(program, LATE, '130000', forms);
    expect([...a.late]).toEqual([1]);
  });
});

describe('concludeOutcome', () => {
  const base = {
    messageId: 'm@example.cn',
    status: 'rejected' as const,
    region: null,
    classes: [],
    findings: [],
    reply: null,
  };
  /** A class result over real candidates: the first `accepted` taken, the rest refused. */
  async function result(accepted: number, total: number): Promise<ClassResult> {
    const { program, forms } = await hebeiForms(total, 1204);
    const list = assembleStep(program, IN_TIME, '130000', forms).classes.get(1) ?? [];
    return {
      no: 1,
      accepted: list.slice(0, accepted),
      rejected: list.slice(accepted),
      withdrawn: [],
      updated: [],
      findings: [],
      changes: new Map(),
    };
  }

  it('counts each class, decides the status and numbers the receipt', async () => {
    const program = await testProgram();
    const o = concludeOutcome({
      program,
      key: 'abcdef0123',
      base,
      region: { code: '130000', name: '河北省' },
      results: [await result(2, 3)],
      findings: [finding('FORM_MISSING', 'x', { form: '附件4', classNo: 1 })],
      otherAccepted: false,
    });
    expect(o.classes).toEqual([{ no: 1, accepted: 2, rejected: 1, withdrawn: 0 }]);
    expect(o.status).toBe('partially_accepted');
    expect(o.receipt).toBe(`LJ${program.year}-130000-ABCDEF`);
    expect(o.region).toEqual({ code: '130000', name: '河北省' });
    expect(o.messageId).toBe('m@example.cn');
  });

  it('accepts an email without students when contacts or 附件5s on file were taken', async () => {
    const program = await testProgram();
    const input = {
      program,
      key: 'k1',
      base,
      region: { code: '130000', name: '河北省' },
      results: [],
      findings: [],
    };
    expect(concludeOutcome({ ...input, otherAccepted: true }).status).toBe('accepted');
    expect(concludeOutcome({ ...input, otherAccepted: false }).status).toBe('rejected');
  });
});
