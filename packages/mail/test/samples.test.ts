import { describe, expect, it } from 'vitest';
import { parseInbound, replyRecipient, shouldReply } from '../src/index.ts';
import { emlFiles, fixtureFile } from './helpers.ts';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

// The exact names a person sees in their mail client for each sample (test/fixtures/mail/README.md); people
// are the seeded generator's.
const EXPECTED: Record<string, { from: string; subject: string; files: [string, string][] }> = {
  'foxmail-hebei-class1.eml': {
    from: 'hbzxqy@163.com',
    subject: '河北省第1期领军人才培训报名材料',
    files: [
      ['附件3：领军人才培训工作信息表（河北省）.xlsx', XLSX],
      ['附件4：河北省第1期领军人才培训报名汇总表.xlsx', XLSX],
      ['附件5：学员报名表-汪颖波.docx', DOCX],
      ['附件5：学员报名表-刘伟伟.docx', DOCX],
      ['附件5：学员报名表-胡颖强.docx', DOCX],
    ],
  },
  'netease-shandong-legacy.eml': {
    from: 'sdzxqyj@sd.gov.cn',
    subject: '山东省第3期报名材料',
    files: [
      ['附件4：山东省第3期报名汇总表.xls', 'application/vnd.ms-excel'],
      ['附件5：学员报名表-潘秀建.doc', 'application/msword'],
      ['附件5：学员报名表-赵强涛.wps', 'application/msword'],
    ],
  },
  'outlook-guangdong-zip.eml': {
    from: 'gdsme@gd.gov.cn',
    subject: '广东省第5期报名材料',
    files: [['广东省第5期报名材料.zip', 'application/zip']],
  },
  'qq-zhejiang-errors.eml': {
    from: 'zjzxqy@126.com',
    subject: '浙江省第2期领军人才培训报名材料',
    files: [
      ['附件3：领军人才培训工作信息表（浙江省）.xlsx', XLSX],
      ['附件4：浙江省第2期领军人才培训报名汇总表.xlsx', XLSX],
      ['附件5：学员报名表-韦英.docx', DOCX],
      ['附件5：学员报名表-江强娜.docx', DOCX],
      ['附件5：学员报名表-董丽军.docx', DOCX],
    ],
  },
};

describe('sample submissions', () => {
  it('covers every sample in test/fixtures/mail', () => {
    expect(emlFiles('mail')).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const [file, want] of Object.entries(EXPECTED)) {
    it(`${file}: sender, subject and exact Chinese attachment names`, async () => {
      const raw = fixtureFile('mail', file);
      const started = performance.now();
      const mail = await parseInbound(raw);
      const ms = performance.now() - started;
      console.log(`parse ${file}: ${ms.toFixed(1)} ms, ${raw.length} bytes`);

      expect(mail.kind).toBe('normal');
      expect(mail.isReport).toBe(false);
      expect(shouldReply(mail)).toBe(true);
      expect(replyRecipient(mail)).toBe(want.from);
      expect(mail.from?.name).toBe('中小企业处');
      expect(mail.subject).toBe(want.subject);
      expect(mail.messageId).toMatch(/^<\d+\.\d+\.\d+@[a-z0-9.]+>$/);
      expect(mail.messageIdDerived).toBe(false);
      expect(mail.notices).toEqual([]);
      expect(mail.text.length).toBeGreaterThan(0);
      expect(mail.text).not.toContain('\uFFFD');
      expect(mail.attachments.map((a) => [a.filename, a.contentType])).toEqual(want.files);
      for (const a of mail.attachments) {
        expect(a.inline).toBe(false);
        // Office files are zip (PK) or OLE compound documents (D0 CF 11 E0): the bytes were decoded, not mangled.
        const magic = Buffer.from(a.content.subarray(0, 4)).toString('hex');
        expect(['504b0304', 'd0cf11e0']).toContain(magic);
      }
    });
  }
});
