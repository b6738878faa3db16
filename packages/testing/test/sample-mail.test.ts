/**
 * The committed sample emails are what their generator makes: remaking them (test/fixtures/mail/README.md)
 * gives the same sender, subject, Message-ID, attachment names and form values; only office-file timestamps
 * and so bytes differ.
 */
import { readFile } from 'node:fs/promises';
import { extractForms, readAttachment } from '@lingjun/forms';
import { parseInbound } from '@lingjun/mail';
import { loadProgram, type Program } from '@lingjun/program';
import { usccCheckDigit } from '@lingjun/rules';
import { beforeAll, describe, expect, it } from 'vitest';
import { type SampleMail, sampleMails, wrongCheckDigit } from '../src/index.ts';

const FIXTURES = new URL('../../../test/fixtures/mail/', import.meta.url);
let program: Program;
let made: SampleMail[];

beforeAll(async () => {
  program = await loadProgram(new URL('../../../examples/program-2025.json', import.meta.url).pathname);
  const legacy = (name: string) =>
    readFile(new URL(`../../forms/test/fixtures/${name}`, import.meta.url)).then((b) => new Uint8Array(b));
  made = await sampleMails(program, {
    doc: await legacy('netease-form.doc'),
    wps: await legacy('netease-form.wps'),
  });
});

/** What a person and the intake see of an email: headers, attachment names, every form's values. */
async function seen(raw: Uint8Array) {
  const mail = await parseInbound(raw);
  const forms = [];
  for (const a of mail.attachments) {
    const read = await readAttachment({ filename: a.filename, content: a.content });
    for (const f of extractForms(read.documents, { program }).forms) {
      const records = 'records' in f ? f.records : 'record' in f ? [f.record] : [];
      forms.push({ form: f.form, file: f.file, values: records.map((r) => r.values) });
    }
  }
  return {
    from: mail.from,
    subject: mail.subject,
    messageId: mail.messageId,
    files: mail.attachments.map((a) => [a.filename, a.contentType]),
    forms,
  };
}

describe('sample emails', () => {
  it('break a credit code by its check character only', () => {
    const good = `91330106${'2CMJY00E1'}`;
    const code = good + usccCheckDigit(good);
    const bad = wrongCheckDigit(code);
    expect(bad.slice(0, 17)).toBe(code.slice(0, 17));
    expect(bad[17]).not.toBe(usccCheckDigit(code.slice(0, 17)));
  });

  it('are the four committed fixtures, remade with the same content', async () => {
    expect(made.map((m) => m.file)).toEqual([
      'foxmail-hebei-class1.eml',
      'netease-shandong-legacy.eml',
      'outlook-guangdong-zip.eml',
      'qq-zhejiang-errors.eml',
    ]);
    for (const m of made) {
      const committed = await readFile(new URL(m.file, FIXTURES));
      expect(await seen(m.raw), m.file).toEqual(await seen(committed));
    }
  });
});
