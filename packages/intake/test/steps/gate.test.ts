/**
 * The steps before the forms matter, each alone against the local stack: screening, automatic mail, routes,
 * and reading the forms (an email without one is answered there).
 */
import { simpleParser } from 'mailparser';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildEmail } from '../../../../test/support/email.ts';
import { type Harness, harness } from '../../../../test/support/intake.ts';
import { people, submission } from '../../../../test/support/submission.ts';
import { ignoreAutomatic, readFormsStep, routeElsewhere, screen } from '../../src/pipeline.ts';
import { claimed } from './support.ts';

const HEBEI = 'hbzxqy@163.com';

let h: Harness;
beforeAll(async () => {
  h = await harness();
});

const plain = (headers?: Record<string, string>) =>
  buildEmail({ from: HEBEI, attachments: [], ...(headers ? { headers } : {}) });

describe('screen', () => {
  it('quarantines mail that failed the spam check, saves it and tells the bureau', async () => {
    const since = Date.now() - 1000;
    const p = await claimed(h, (await plain()).raw, { spam: 'FAIL' });
    const outcome = await screen(p);
    expect(outcome?.status).toBe('quarantined');
    expect(outcome?.reply).toBeNull();
    expect((await h.deps().registry.getMessage(p.key))?.status).toBe('quarantined');
    const [admin] = h.program.adminEmails;
    expect(admin).toBeDefined();
    const notices = await Promise.all(
      (await h.sentTo(admin ?? '', since)).map((n) => simpleParser(n, { skipHtmlToText: true })),
    );
    const mine = notices.filter((n) => n.text?.includes(outcome?.messageId ?? '-'));
    expect(mine).toHaveLength(1);
    expect(mine[0]?.subject).toContain('【隔离】');
  });

  it('lets clean mail go on', async () => {
    const p = await claimed(h, (await plain()).raw);
    expect(await screen(p)).toBeUndefined();
    expect((await h.deps().registry.getMessage(p.key))?.status).not.toBe('quarantined');
  });
});

describe('ignoreAutomatic', () => {
  it('records an auto-reply as done without answering it', async () => {
    const p = await claimed(h, (await plain({ 'Auto-Submitted': 'auto-replied' })).raw);
    const outcome = await ignoreAutomatic(p);
    expect(outcome).toMatchObject({ status: 'rejected', reply: null });
    expect((await h.deps().registry.getMessage(p.key))?.status).toBe('done');
  });

  it('lets a person’s mail go on', async () => {
    const p = await claimed(h, (await plain()).raw);
    expect(await ignoreAutomatic(p)).toBeUndefined();
  });
});

describe('routeElsewhere', () => {
  it('ends with the route’s result when a route takes the mail, and goes on when none does', async () => {
    const taking = { name: 'sheets', take: async () => ({ recorded: true }) };
    const passing = { name: 'other', take: async () => undefined };
    const taken = await claimed(h, (await plain()).raw, { deps: { routes: [passing, taking] } });
    expect((await routeElsewhere(taken))?.status).toBe('accepted');
    expect((await h.deps().registry.getMessage(taken.key))?.status).toBe('done');
    const left = await claimed(h, (await plain()).raw, { deps: { routes: [passing] } });
    expect(await routeElsewhere(left)).toBeUndefined();
  });
});

describe('readFormsStep', () => {
  it('answers an email without forms with what to send', async () => {
    const { raw, messageId } = await plain();
    const p = await claimed(h, raw);
    const step = await readFormsStep(p);
    expect('done' in step).toBe(true);
    if (!('done' in step)) return;
    expect(step.done.status).toBe('rejected');
    expect(step.done.receipt).toMatch(/^LJ\d{4}-000000-/);
    expect(await h.repliesTo(messageId)).toHaveLength(1);
  });

  it('returns the forms of a submission for the next steps', async () => {
    const sub = await submission({
      program: h.program,
      from: HEBEI,
      region: '河北',
      classNo: 1,
      people: people(2, 1211),
    });
    const step = await readFormsStep(await claimed(h, sub.raw));
    expect('read' in step).toBe(true);
    if (!('read' in step)) return;
    expect(step.read.forms.filter((f) => f.form === '附件4')).toHaveLength(1);
    expect(step.read.forms.filter((f) => f.form === '附件5')).toHaveLength(2);
  });
});
