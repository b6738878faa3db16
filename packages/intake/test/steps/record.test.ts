/**
 * The writing steps after the region is known, each alone against the local stack: recording classes,
 * completing students on file with loose 附件5s, and holding an email for the bureau.
 */
import { ClaimLostError } from '@lingjun/registry';
import { fillForm5Docx } from '@lingjun/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildEmail } from '../../../../test/support/email.ts';
import { type Harness, harness } from '../../../../test/support/intake.ts';
import { people, submission } from '../../../../test/support/submission.ts';
import { assembleStep, hold, type Processing, recordStep } from '../../src/pipeline.ts';
import { attachLooseForm5s } from '../../src/steps/complete.ts';
import { readForms } from '../../src/steps/forms.ts';
import { claimed } from './support.ts';

const HEBEI = 'hbzxqy@163.com';
const HEBEI_REF = { code: '130000', name: '河北省' };
const IN_TIME = new Date('2025-06-05T02:00:00Z');

let h: Harness;
beforeAll(async () => {
  h = await harness();
});

async function assembled(p: Processing) {
  const forms = (await readForms(p.mail, p.deps.program)).forms;
  return { forms, assembly: assembleStep(p.deps.program, IN_TIME, '130000', forms) };
}

describe('recordStep', () => {
  it('records a class, and a later list for it withdraws who it leaves out', async () => {
    const list = people(2, 1231);
    const first = await claimed(
      h,
      (await submission({ program: h.program, from: HEBEI, region: '河北', classNo: 1, people: list })).raw,
    );
    const one = await recordStep(first, '130000', (await assembled(first)).assembly);
    expect(one.results.map((r) => [r.no, r.accepted.length, r.rejected.length])).toEqual([[1, 2, 0]]);
    expect(
      (await h.deps().registry.listRegion('130000', 1)).filter((r) => r.status === 'active'),
    ).toHaveLength(2);

    const later = await claimed(
      h,
      (
        await submission({
          program: h.program,
          from: HEBEI,
          region: '河北',
          classNo: 1,
          people: list.slice(0, 1),
        })
      ).raw,
    );
    const two = await recordStep(later, '130000', (await assembled(later)).assembly);
    expect(two.results[0]?.withdrawn.map((r) => r.name)).toEqual([list[1]?.name]);
    const active = (await h.deps().registry.listRegion('130000', 1)).filter((r) => r.status === 'active');
    expect(active.map((r) => r.name)).toEqual([list[0]?.name]);
  });

  it('refuses a student with an error finding and returns the finding', async () => {
    const list = people(1, 1232);
    const sub = await submission({
      program: h.program,
      from: HEBEI,
      region: '河北',
      classNo: 2,
      people: list,
      form5For: [],
    });
    const p = await claimed(h, sub.raw);
    const res = await recordStep(p, '130000', (await assembled(p)).assembly);
    expect(res.results[0]?.rejected).toHaveLength(1);
    expect(res.findings.map((f) => f.code)).toContain('FORM_MISSING');
  });
});

describe('recordStep with the outcome', () => {
  it('writes nothing when another invocation took the email over: the outcome shares the transaction', async () => {
    const list = people(2, 1235);
    const p = await claimed(
      h,
      (await submission({ program: h.program, from: HEBEI, region: '河北', classNo: 4, people: list })).raw,
    );
    // The lease runs out and a redelivery claims the email (attempts 2) while this run is still recording.
    const later = new Date(Date.now() + 10 * 60_000);
    const takeover = await h.deps().registry.claimMessage({
      messageId: p.key,
      receivedAt: IN_TIME.toISOString(),
      rawKey: p.ref.rawKey,
      now: later,
      leaseMs: 60_000,
    });
    expect(takeover).toMatchObject({ state: 'claimed', record: { attempts: 2 } });
    const { assembly } = await assembled(p);
    const recording = recordStep(p, '130000', assembly, undefined, async () => [
      p.deps.registry.outcomeAction({ ...p.record, status: 'recorded' }),
    ]);
    await expect(recording).rejects.toBeInstanceOf(ClaimLostError);
    expect(await h.deps().registry.listRegion('130000', 4)).toEqual([]);
    expect(await h.deps().registry.getMessage(p.key)).toMatchObject({ status: 'processing', attempts: 2 });
  });
});

describe('attachLooseForm5s', () => {
  it('completes a student on file with a later 附件5, and reports one for nobody on file', async () => {
    const [onFile, stranger] = people(2, 1233, '130000', 3);
    if (!onFile || !stranger) throw new Error('two people expected');
    // The student is put on file by a complete list first.
    const complete = await submission({
      program: h.program,
      from: HEBEI,
      region: '河北',
      classNo: 3,
      people: [onFile],
    });
    const first = await claimed(h, complete.raw);
    const recorded = await recordStep(first, '130000', (await assembled(first)).assembly);
    expect(recorded.results[0]?.accepted).toHaveLength(1);

    const follow = await buildEmail({
      from: HEBEI,
      attachments: [
        {
          filename: `附件5-${onFile.name}.docx`,
          content: await fillForm5Docx(onFile, { program: h.program }),
        },
        {
          filename: `附件5-${stranger.name}.docx`,
          content: await fillForm5Docx(stranger, { program: h.program }),
        },
      ],
    });
    const p = await claimed(h, follow.raw);
    const { assembly } = await assembled(p);
    expect(assembly.loose).toHaveLength(2);
    const res = await attachLooseForm5s(p, '130000', assembly.loose);
    expect(res.attached).toBe(1);
    expect(res.findings.map((f) => [f.code, f.student])).toEqual([['FORM_UNLISTED', stranger.name]]);
    const reg = (await h.deps().registry.listRegion('130000', 3)).find((r) => r.name === onFile.name);
    // The registration now names the follow-up as the email that last completed it.
    expect(reg).toMatchObject({ messageId: p.key, values: { form5: '1' } });
  });
});

describe('hold', () => {
  it('answers the sender that a person will confirm, and stores the email as held with its reason', async () => {
    const sub = await submission({
      program: h.program,
      from: HEBEI,
      region: '河北',
      classNo: 1,
      people: people(1, 1234),
    });
    const p = await claimed(h, sub.raw);
    const { forms } = await assembled(p);
    const outcome = await hold(p, {
      region: HEBEI_REF,
      forms,
      reason: '测试暂存',
      subject: '【待确认】测试',
    });
    expect(outcome).toMatchObject({ status: 'held', region: HEBEI_REF });
    const record = await h.deps().registry.getMessage(p.key);
    expect(record).toMatchObject({ status: 'held', heldReason: '测试暂存' });
    expect(await h.repliesTo(sub.messageId)).toHaveLength(1);
  });
});
