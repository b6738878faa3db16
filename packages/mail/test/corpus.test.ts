import { MailParseError } from '@lingjun/core';
import { describe, expect, it } from 'vitest';
import { type MailKind, parseInbound, shouldReply } from '../src/index.ts';
import { emlFiles, fixtureFile } from './helpers.ts';

// Kinds asserted where the corpus README or the file's own headers make them certain.
const KINDS: Record<string, MailKind> = {
  'postal-mime/bounce.eml': 'bounce', // empty Return-Path
  'mailparser/delivery-status.eml': 'dsn', // multipart/report; report-type=delivery-status
  'postal-mime/arf.eml': 'arf', // multipart/report; report-type=feedback-report
  'mailparser/large_text.eml': 'auto-reply', // Precedence: bulk
  'mailparser/nodemailer.eml': 'normal',
  'postal-mime/mimetorture.eml': 'normal',
};

const FILES = ['mailparser', 'postal-mime'].flatMap((dir) =>
  emlFiles('corpus', dir).map((f) => `${dir}/${f}`),
);

describe('hostile and odd MIME corpus', () => {
  it('has the files the brief names', () => {
    for (const f of [
      'mailparser/htmllargecallstack.eml',
      'mailparser/large_text.eml',
      'mailparser/outofmemory.eml',
      'postal-mime/mimetorture.eml',
      ...Object.keys(KINDS),
    ]) {
      expect(FILES).toContain(f);
    }
  });

  const timings: [string, number][] = [];
  for (const file of FILES) {
    it(`${file}: parses to exactly one kind`, async () => {
      const raw = fixtureFile('corpus', ...file.split('/'));
      const started = performance.now();
      let outcome: string;
      try {
        const mail = await parseInbound(raw);
        outcome = mail.kind;
        if (KINDS[file]) expect(mail.kind).toBe(KINDS[file]);
        expect(mail.messageId).toMatch(/^<.+>$/);
        expect(mail.isReport).toBe(['bounce', 'dsn', 'arf'].includes(mail.kind));
        if (mail.kind !== 'normal') expect(shouldReply(mail)).toBe(false);
        for (const a of mail.attachments) expect(a.filename.length).toBeGreaterThan(0);
      } catch (err) {
        // The only acceptable failure is our own, sender-presentable error.
        expect(err).toBeInstanceOf(MailParseError);
        outcome = 'MailParseError';
      }
      const ms = performance.now() - started;
      timings.push([file, ms]);
      console.log(`parse ${file}: ${ms.toFixed(1)} ms, ${raw.length} bytes -> ${outcome}`);
    });
  }

  it('reports the slowest corpus file', () => {
    const slowest = [...timings].sort((a, b) => b[1] - a[1])[0];
    expect(slowest).toBeDefined();
    console.log(`slowest corpus file: ${slowest?.[0]} ${slowest?.[1].toFixed(1)} ms`);
  });

  it('keeps attachments that mimetorture names, and the bodies of embedded messages out of them', async () => {
    const mail = await parseInbound(fixtureFile('corpus', 'postal-mime', 'mimetorture.eml'));
    const names = mail.attachments.map((a) => a.filename);
    expect(names).toEqual(expect.arrayContaining(['foo.gz', 'blah.gz', 'blah1.gz']));
    expect(names.every((n) => !n.includes('/') && !n.includes('\\'))).toBe(true);
  });

  it('never answers the reports: bounce, dsn, arf', async () => {
    for (const [dir, file] of [
      ['postal-mime', 'bounce.eml'],
      ['mailparser', 'delivery-status.eml'],
      ['postal-mime', 'arf.eml'],
    ] as const) {
      const mail = await parseInbound(fixtureFile('corpus', dir, file));
      expect(mail.isReport).toBe(true);
      expect(shouldReply(mail)).toBe(false);
      // The returned original inside a report must not surface as a submission's attachment.
      expect(mail.attachments).toEqual([]);
    }
  });

  it('refuses empty and oversize input with MailParseError', async () => {
    await expect(parseInbound(new Uint8Array(0))).rejects.toBeInstanceOf(MailParseError);
    const { MAX_MESSAGE_BYTES } = await import('../src/index.ts');
    await expect(parseInbound(new Uint8Array(MAX_MESSAGE_BYTES + 1))).rejects.toThrow(/40 MB/);
  });
});
