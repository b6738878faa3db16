/**
 * The steps that decide who an email is for and what it registers about the region, each alone against the
 * local stack: the region decision, contacts, and holding late classes for the bureau.
 */
import { finding } from '@lingjun/rules';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Harness, harness } from '../../../../test/support/intake.ts';
import { people, submission } from '../../../../test/support/submission.ts';
import { decideRegionStep, holdLate, type Processing, registerContacts } from '../../src/pipeline.ts';
import { readForms } from '../../src/steps/forms.ts';
import { claimed } from './support.ts';

const HEBEI = 'hbzxqy@163.com';
const HEBEI_REF = { code: '130000', name: '河北省' };

let h: Harness;
beforeAll(async () => {
  h = await harness();
});

async function hebeiList(from: string, seed: number, extra: { region?: string; regionCode?: string } = {}) {
  return submission({
    program: h.program,
    from,
    region: extra.region ?? '河北',
    classNo: 1,
    people: people(1, seed, extra.regionCode),
  });
}

async function formsOf(p: Processing) {
  return (await readForms(p.mail, p.deps.program)).forms;
}

describe('decideRegionStep', () => {
  it('lets a registered, authenticated contact go on for its own region', async () => {
    const p = await claimed(h, (await hebeiList(HEBEI, 1221)).raw);
    const step = await decideRegionStep(p, await formsOf(p), []);
    expect(step).toEqual({ region: HEBEI_REF, firstContact: false });
  });

  it('holds a stranger’s list for a region that has contacts', async () => {
    const sub = await hebeiList('stranger@example.cn', 1222);
    const p = await claimed(h, sub.raw);
    const step = await decideRegionStep(p, await formsOf(p), []);
    if (!('done' in step)) throw new Error('expected the run to end');
    expect(step.done).toMatchObject({ status: 'held', region: HEBEI_REF });
    expect((await h.deps().registry.getMessage(p.key))?.status).toBe('held');
    expect(await h.repliesTo(sub.messageId)).toHaveLength(1);
  });

  it('rejects a contact’s list for another region, keeping the findings it was given', async () => {
    const p = await claimed(h, (await hebeiList(HEBEI, 1223, { region: '山西', regionCode: '140000' })).raw);
    const earlier = finding('FILE_UNREADABLE', '一个较早的发现');
    const step = await decideRegionStep(p, await formsOf(p), [earlier]);
    if (!('done' in step)) throw new Error('expected the run to end');
    expect(step.done.status).toBe('rejected');
    expect(step.done.findings[0]).toEqual(earlier);
    expect(step.done.findings.map((f) => f.code)).toContain('REGION_MISMATCH');
  });
});

describe('registerContacts', () => {
  it('takes a 附件3’s contacts for the region and marks it submitted', async () => {
    const sub = await submission({
      program: h.program,
      from: 'sz-new@sz.gov.cn',
      region: '深圳市',
      classNo: 1,
      people: people(1, 1224, '440300'),
      form3: [
        {
          region: '深圳',
          unit: '深圳市中小企业服务局',
          contact: '李明',
          mobile: '13812345678',
          email: 'sz-b@sz.gov.cn',
        },
      ],
    });
    const p = await claimed(h, sub.raw);
    const res = await registerContacts(p, { code: '440300', name: '深圳市' }, await formsOf(p), false);
    expect(res).toEqual({ findings: [], taken: true });
    expect(await h.deps().registry.getContacts('440300')).toEqual(['sz-b@sz.gov.cn']);
  });

  it('registers a first contact without a 附件3 as the region’s contact', async () => {
    const sub = await hebeiList('first@nb.gov.cn', 1225, { region: '宁波市', regionCode: '330200' });
    const p = await claimed(h, sub.raw);
    const res = await registerContacts(p, { code: '330200', name: '宁波市' }, await formsOf(p), true);
    expect(res).toEqual({ findings: [], taken: false });
    expect(await h.deps().registry.getContacts('330200')).toEqual(['first@nb.gov.cn']);
  });
});

describe('holdLate', () => {
  it('holds late classes when the program says so, and otherwise lets the run go on', async () => {
    const raw = (await hebeiList(HEBEI, 1226)).raw;
    const holding = await claimed(h, raw, { deps: { program: { ...h.program, lateSubmissions: 'hold' } } });
    const forms = await formsOf(holding);
    expect(await holdLate(holding, HEBEI_REF, forms, new Set())).toBeUndefined();
    const outcome = await holdLate(holding, HEBEI_REF, forms, new Set([1]));
    expect(outcome).toMatchObject({ status: 'held', region: HEBEI_REF });
    expect(outcome?.receipt).toMatch(/^LJ\d{4}-130000-/);
    expect((await h.deps().registry.getMessage(holding.key))?.heldReason).toContain('第1期报名已截止');

    const refusing = await claimed(h, (await hebeiList(HEBEI, 1227)).raw);
    expect(await holdLate(refusing, HEBEI_REF, await formsOf(refusing), new Set([1]))).toBeUndefined();
  });
});
