import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import PostalMime, { type Email } from 'postal-mime';
import { describe, expect, it } from 'vitest';
import { liftBase64Bodies, restoreBodies } from '../src/bodies.ts';
import { parseInbound } from '../src/index.ts';
import { FIXTURES, fixtureFile, rawMail } from './helpers.ts';

const OPTIONS = { forceRfc822Attachments: true, attachmentEncoding: 'arraybuffer' } as const;

/** Every .eml under test/fixtures (the sample submissions and other parsers' test mail). */
function allEml(dir = FIXTURES): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return allEml(path);
    return name.endsWith('.eml') ? [relative(FIXTURES, path)] : [];
  });
}

const bytes = (c: Email['attachments'][number]['content']) =>
  Buffer.from(typeof c === 'string' ? Buffer.from(c) : new Uint8Array(c as ArrayBuffer));

const summary = (email: Email) =>
  email.attachments.map((a) => ({
    filename: a.filename,
    mimeType: a.mimeType,
    disposition: a.disposition,
    content: bytes(a.content).toString('hex'),
  }));

function mixed(parts: string[]): Buffer {
  return rawMail(
    [
      'From: a@example.cn',
      'To: b@example.cn',
      'Subject: t',
      'Message-ID: <t@example.cn>',
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      ...parts.flatMap((p) => ['--b1', p]),
      '--b1--',
      '',
    ].join('\n'),
  );
}

const filePart = (name: string, body: string, type = 'application/octet-stream') =>
  `Content-Type: ${type}; name="${name}"\nContent-Transfer-Encoding: base64\nContent-Disposition: attachment; filename="${name}"\n\n${body}`;

describe('base64 bodies decoded natively (bodies.ts)', () => {
  it.each(allEml())('%s: the same attachments, byte for byte, as postal-mime alone', async (file) => {
    const raw = fixtureFile(file);
    const whole = await PostalMime.parse(raw, OPTIONS);
    const lifted = liftBase64Bodies(raw);
    // Nothing lifted (no clean base64 file part in a multipart message): postal-mime reads it whole.
    if (!lifted) return;
    expect(lifted.raw.length).toBeLessThan(raw.length);
    const fast = await PostalMime.parse(lifted.raw, OPTIONS);
    expect(restoreBodies(fast.attachments, lifted)).toBe(true);
    expect(summary(fast)).toEqual(summary(whole));
    expect(fast.subject).toBe(whole.subject);
    expect(fast.text).toBe(whole.text);
  });

  it('lifts from every sample submission and from other multipart mail with base64 files', () => {
    const lifted = allEml().filter((f) => liftBase64Bodies(fixtureFile(f)) !== null);
    // The files of mimetorture.eml sit in 7bit forwarded messages, which parseInbound opens (and lifts from)
    // one level at a time; calendar-event.eml's base64 part is text/calendar, which postal-mime reads as text.
    expect(lifted).toEqual(
      expect.arrayContaining([
        ...allEml().filter((f) => f.startsWith('mail/')),
        join('corpus', 'mailparser', 'nodemailer.eml'),
      ]),
    );
  });

  it('lifts every file of the sample submissions, each in an ArrayBuffer of its own', async () => {
    const raw = fixtureFile('mail', 'foxmail-hebei-class1.eml');
    const lifted = liftBase64Bodies(raw);
    expect(lifted?.bodies).toHaveLength(5);
    for (const b of lifted?.bodies ?? []) expect(b.buffer.byteLength).toBe(b.byteLength);
    const mail = await parseInbound(raw);
    expect(mail.attachments.map((a) => a.content.byteLength)).toEqual(
      lifted?.bodies.map((b) => b.byteLength),
    );
  });

  it('leaves text parts, padding inside a body and base64url characters to postal-mime', async () => {
    const raw = mixed([
      'Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n5L2g5aW9\n',
      // Padded per line: Node would stop at the first '=', postal-mime decodes every unit.
      filePart('a.bin', 'QQ==\nQg==\n'),
      filePart('b.bin', 'QUJD-_\n'),
      filePart('c.bin', 'QUJDRA==\n'),
    ]);
    const lifted = liftBase64Bodies(raw);
    expect(lifted?.bodies.map((b) => Buffer.from(b).toString())).toEqual(['ABCD']);
    const mail = await parseInbound(raw);
    const whole = await PostalMime.parse(raw, OPTIONS);
    expect(mail.text).toBe('你好');
    expect(mail.attachments.map((a) => [a.filename, Buffer.from(a.content).toString('hex')])).toEqual(
      whole.attachments.map((a) => [a.filename, bytes(a.content).toString('hex')]),
    );
    expect(Buffer.from(mail.attachments[0]?.content ?? []).toString()).toBe('AB');
  });

  it('decodes bodies with blanks, junk, 8-bit bytes and a lone last character as postal-mime does', async () => {
    const data = Buffer.from(
      '附件5：学员报名表 — bytes of a file, long enough for several lines of base64 text',
    );
    const b64 = data.toString('base64');
    const bodies = [
      b64.replace(/(.{10})/g, '$1 \t\n'),
      b64.replace(/(.{7})/g, '$1.*!#'),
      `${b64.slice(0, 20)}\u00e4\u00ff\u0080${b64.slice(20)}`,
      `${b64.replace(/=+$/, '')}Q`,
      b64.replace(/=+$/, ''),
      `${b64}\n=\n`,
    ];
    // rawMail writes strings as latin1: \u00e4 \u00ff \u0080 become single 8-bit bytes in the body.
    const message = mixed(bodies.map((b, i) => filePart(`f${i}.bin`, b)));
    const lifted = liftBase64Bodies(message);
    expect(lifted?.bodies).toHaveLength(bodies.length);
    const whole = await PostalMime.parse(message, OPTIONS);
    const mail = await parseInbound(message);
    expect(mail.attachments.map((a) => Buffer.from(a.content).toString('hex'))).toEqual(
      whole.attachments.map((a) => bytes(a.content).toString('hex')),
    );
    expect(Buffer.from(mail.attachments[0]?.content ?? []).equals(data)).toBe(true);
  });

  it('finds the parts of nested multiparts and skips lines that only start like a delimiter', async () => {
    const raw = mixed([
      [
        'Content-Type: multipart/related; boundary="b1_inner"',
        '',
        '--b1_inner',
        filePart('x.xlsx', Buffer.from('workbook bytes').toString('base64')),
        '--b1_inner--',
        '',
      ].join('\n'),
      filePart('y.docx', Buffer.from('document bytes').toString('base64')),
    ]);
    const lifted = liftBase64Bodies(raw);
    expect(lifted?.bodies.map((b) => Buffer.from(b).toString())).toEqual([
      'workbook bytes',
      'document bytes',
    ]);
    const mail = await parseInbound(raw);
    expect(mail.attachments.map((a) => [a.filename, Buffer.from(a.content).toString()])).toEqual([
      ['x.xlsx', 'workbook bytes'],
      ['y.docx', 'document bytes'],
    ]);
  });

  it('leaves files nested deeper than a handful of multipart levels to postal-mime', async () => {
    let inner = filePart('deep.bin', Buffer.from('deep bytes').toString('base64'));
    for (let level = 12; level > 0; level--)
      inner = [
        `Content-Type: multipart/mixed; boundary="n${level}"`,
        '',
        `--n${level}`,
        inner,
        `--n${level}--`,
        '',
      ].join('\n');
    const raw = mixed([inner, filePart('top.bin', Buffer.from('top bytes').toString('base64'))]);
    expect(liftBase64Bodies(raw)?.bodies.map((b) => Buffer.from(b).toString())).toEqual(['top bytes']);
    const mail = await parseInbound(raw);
    expect(mail.attachments.map((a) => [a.filename, Buffer.from(a.content).toString()])).toEqual([
      ['deep.bin', 'deep bytes'],
      ['top.bin', 'top bytes'],
    ]);
  });

  it('gives the attachments back untouched unless every marker returns exactly once', async () => {
    const raw = mixed([filePart('a.bin', 'QUJD'), filePart('b.bin', 'REVG')]);
    const lifted = liftBase64Bodies(raw);
    if (!lifted) throw new Error('nothing lifted');
    const parse = () => PostalMime.parse(lifted.raw, OPTIONS);
    const missing = await parse();
    missing.attachments.pop();
    const before = missing.attachments.map((a) => bytes(a.content).toString('hex'));
    expect(restoreBodies(missing.attachments, lifted)).toBe(false);
    expect(missing.attachments.map((a) => bytes(a.content).toString('hex'))).toEqual(before);
    const twice = await parse();
    twice.attachments[1]!.content = twice.attachments[0]!.content;
    expect(restoreBodies(twice.attachments, lifted)).toBe(false);
    const ok = await parse();
    expect(restoreBodies(ok.attachments, lifted)).toBe(true);
    expect(ok.attachments.map((a) => bytes(a.content).toString())).toEqual(['ABC', 'DEF']);
  });

  it('lifts nothing from a message that is not multipart', () => {
    const raw = rawMail(
      'From: a@example.cn\nContent-Type: application/pdf\nContent-Transfer-Encoding: base64\n\nQUJD\n',
    );
    expect(liftBase64Bodies(raw)).toBeNull();
  });
});
