/**
 * What the receipt says (spec §6, §7): who was accepted, not accepted, withdrawn or unchanged; each problem
 * once, grouped by file and student; the status from what was recorded; HTML a strict parser accepts.
 */
import { readFile } from 'node:fs/promises';
import { maskId, maskText } from '@lingjun/core';
import { extractForms, type Form4, readAttachment } from '@lingjun/forms';
import { parseStrictHtml } from '@lingjun/mail/testing';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { harness, testProgram } from '../support/intake.ts';
import { people, submission } from '../support/submission.ts';

const HEBEI = 'hbzxqy@163.com';
const IN_TIME = '2025-06-05T10:00:00+08:00';
const sample = (name: string) => readFile(new URL(`../fixtures/mail/${name}`, import.meta.url));

async function replyOf(h: Awaited<ReturnType<typeof harness>>, raw: Buffer) {
  const id = (await simpleParser(raw)).messageId!;
  const replies = await h.repliesTo(id);
  expect(replies).toHaveLength(1);
  const mail = await simpleParser(replies[0]!);
  // Every receipt's HTML is well-formed: no attribute cut short, every tag closed.
  parseStrictHtml(String(mail.html));
  return { text: mail.text ?? '', html: String(mail.html), subject: mail.subject ?? '' };
}

const count = (text: string, part: string) => text.split(part).length - 1;

describe('the receipt names people', () => {
  it('names all three students of the Hebei sample, with masked IDs and enterprises', async () => {
    const h = await harness();
    const raw = await sample('foxmail-hebei-class1.eml');
    const [outcome] = await h.ingest([raw], { receivedAt: IN_TIME });
    expect(outcome?.status).toBe('accepted');

    const mail = await simpleParser(raw);
    const f4 = mail.attachments.find((a) => a.filename?.includes('附件4'))!;
    const read = await readAttachment({ filename: f4.filename!, content: f4.content });
    const form = extractForms(read.documents, { program: h.program }).forms[0] as Form4;
    expect(form.records).toHaveLength(3);

    const { text, html } = await replyOf(h, raw);
    expect(text).toContain('受理名单（3 人）');
    for (const r of form.records) {
      expect(text).toContain(r.values.name!);
      expect(text).toContain(maskId(r.values.idNumber!));
      expect(text).toContain(r.values.enterprise!);
      expect(text).not.toContain(r.values.idNumber!);
      expect(html).toContain(r.values.name!);
      expect(html).not.toContain(r.values.idNumber!);
    }
    expect(text).toContain('新报名');
  });

  it('names the withdrawn on a resubmission, and says 无变化 when the same list comes again', async () => {
    const program = await testProgram();
    const h = await harness(program);
    const list = people(3, 501);
    const first = await submission({ program, from: HEBEI, region: '河北', classNo: 1, people: list });
    await h.ingest([first.raw], { receivedAt: IN_TIME });

    const second = await submission({
      program,
      from: HEBEI,
      region: '河北',
      classNo: 1,
      people: list.slice(0, 2),
    });
    const [o2] = await h.ingest([second.raw], { receivedAt: IN_TIME });
    expect(o2?.classes).toEqual([{ no: 1, accepted: 2, rejected: 0, withdrawn: 1 }]);
    const r2 = await replyOf(h, second.raw);
    const withdrawnAt = r2.text.indexOf('撤回名单（1 人');
    expect(withdrawnAt).toBeGreaterThan(0);
    expect(r2.text.slice(withdrawnAt)).toContain(list[2]!.name);
    expect(r2.text.slice(withdrawnAt)).toContain(maskId(list[2]!.idNumber));
    expect(r2.text).not.toContain('与此前报送的名单相比：无变化');

    const third = await submission({
      program,
      from: HEBEI,
      region: '河北',
      classNo: 1,
      people: list.slice(0, 2),
    });
    const [o3] = await h.ingest([third.raw], { receivedAt: IN_TIME });
    expect(o3?.status).toBe('accepted');
    const r3 = await replyOf(h, third.raw);
    expect(r3.text).toContain('与此前报送的名单相比：无变化');
    expect(count(r3.text, '无变化')).toBeGreaterThanOrEqual(3);
  });
});

describe('each problem said once', () => {
  it('a late email has one DEADLINE_PASSED line and lists the students not accepted', async () => {
    const program = await testProgram();
    const h = await harness(program);
    const list = people(3, 502);
    const { raw } = await submission({ program, from: HEBEI, region: '河北', classNo: 1, people: list });
    const [o] = await h.ingest([raw], { receivedAt: '2025-06-12T10:00:00+08:00' });
    expect(o?.status).toBe('rejected');
    expect(o?.findings.filter((f) => f.code === 'DEADLINE_PASSED')).toHaveLength(3);
    const { text, html } = await replyOf(h, raw);
    const lines = text.split('\n').filter((l) => l.includes('DEADLINE_PASSED'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('第1期全部 3 名学员');
    expect(count(text, '报名已于')).toBe(1);
    expect(count(html, '报名已于')).toBe(1);
    expect(text).toContain('未受理名单（3 人）');
    for (const p of list) expect(text).toContain(p.name);
    expect(text).toContain('二、需要修改的问题（共 1 项）');
  });

  it('an email whose forms name only a class the year lacks is rejected with one UNKNOWN_CLASS finding', async () => {
    const program = await testProgram();
    const h = await harness(program);
    const { raw } = await submission({
      program,
      from: HEBEI,
      region: '河北',
      classNo: 12,
      people: people(3, 503),
    });
    const [o] = await h.ingest([raw], { receivedAt: IN_TIME });
    expect(o?.status).toBe('rejected');
    expect(o?.findings.filter((f) => f.code === 'UNKNOWN_CLASS')).toHaveLength(1);
    expect(o?.findings.filter((f) => f.code === 'FORM_UNLISTED')).toHaveLength(0);
    const { text, subject } = await replyOf(h, raw);
    expect(text.split('\n').filter((l) => l.includes('UNKNOWN_CLASS'))).toHaveLength(1);
    expect(subject).toContain('【未予受理】');
  });

  it('groups a student’s problems under the file and row, echoes the value, and keeps codes as reference text', async () => {
    const program = await testProgram();
    const h = await harness(program);
    const list = people(2, 504);
    const bad = list[1]!.uscc.slice(0, 17) + (list[1]!.uscc.endsWith('1') ? '2' : '1');
    list[1] = { ...list[1]!, uscc: bad, mobile: '1381234567' };
    const { raw } = await submission({ program, from: HEBEI, region: '河北', classNo: 1, people: list });
    const [o] = await h.ingest([raw], { receivedAt: IN_TIME });
    expect(o?.status).toBe('partially_accepted');
    const { text } = await replyOf(h, raw);
    const problems = text.slice(text.indexOf('二、需要修改的问题'));
    const f4 = problems.indexOf('【附件4-第1期报名汇总表.xlsx】');
    expect(f4).toBeGreaterThan(0);
    // The value as written; a credit code of 18 digits looks like an ID and is masked like one.
    expect(problems).toContain(maskText(`“${bad}”`));
    expect(problems).toContain('138***4567');
    expect(problems).not.toContain('1381234567');
    // The code is reference text at the end of the line, never the start of the officer's sentence.
    expect(problems).not.toContain('[USCC_CHECKSUM]');
    expect(problems).toMatch(/（参考代码 USCC_CHECKSUM）/);
    expect(text).toContain('未受理名单（1 人）');
    expect(text).toMatch(/统一社会信用代码代码有误|代码有误/);
  });
});
