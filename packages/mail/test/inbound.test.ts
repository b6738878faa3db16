import { createHash } from 'node:crypto';
import { MailParseError } from '@lingjun/core';
import { describe, expect, it } from 'vitest';
import {
  decodeUnlabelled,
  MAX_FORWARD_DEPTH,
  MAX_PART_NESTING,
  normalizeHeaderBytes,
  parseInbound,
  shouldReply,
} from '../src/index.ts';
import { gb, gbWord, pct, rawMail } from './helpers.ts';

const ZIP_B64 = Buffer.from('PK\u0003\u0004fake-office-file', 'latin1').toString('base64');
const HEAD =
  'To: jiayue@miitec.cn\nMIME-Version: 1.0\nMessage-ID: <t1@example.cn>\nDate: Thu, 26 Nov 2026 16:07:48 +0800\n';

function part(headers: string | Buffer, body = ZIP_B64): Buffer {
  return rawMail('--BB\n', headers, '\nContent-Transfer-Encoding: base64\n\n', `${body}\n`);
}

function multipart(top: string | Buffer, ...parts: Buffer[]): Buffer {
  return rawMail(
    'From: a@b.cn\n',
    HEAD,
    top,
    'Content-Type: multipart/mixed; boundary="BB"\n\n',
    '--BB\nContent-Type: text/plain; charset=utf-8\n\nbody\n',
    ...parts,
    '--BB--\n',
  );
}

describe('Chinese names as real clients write them', () => {
  it('decodes raw 8-bit GBK in From, Subject, filename and an 8bit gb2312 body', async () => {
    const raw = rawMail(
      'From: ',
      gb('河北省中小企业处'),
      ' <hb@163.com>\n',
      HEAD,
      'Subject: ',
      gb('报名材料（朱镕基）'),
      '\nContent-Type: multipart/mixed; boundary="BB"\n\n',
      '--BB\nContent-Type: text/plain; charset=gb2312\nContent-Transfer-Encoding: 8bit\n\n',
      gb('正文：𠀀与镕'),
      '\n--BB\nContent-Type: application/octet-stream; name="',
      gb('附件4-河北省.xlsx'),
      '"\nContent-Disposition: attachment; filename="',
      gb('附件4-河北省.xlsx'),
      `"\nContent-Transfer-Encoding: base64\n\n${ZIP_B64}\n--BB--\n`,
    );
    const mail = await parseInbound(raw);
    expect(mail.from).toEqual({ address: 'hb@163.com', name: '河北省中小企业处' });
    expect(mail.subject).toBe('报名材料（朱镕基）');
    expect(mail.text.trim()).toBe('正文：𠀀与镕');
    expect(mail.attachments.map((a) => a.filename)).toEqual(['附件4-河北省.xlsx']);
    // application/octet-stream is refined from the extension.
    expect(mail.attachments[0]?.contentType).toBe(
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
  });

  it('decodes GB2312-labelled encoded words as GB18030 (镕, 㐀, 𠀀 are not GB2312)', async () => {
    const name = '附件5：学员报名表-朱镕基㐀𠀀.docx';
    const mail = await parseInbound(
      multipart(
        `Subject: ${gbWord('第1期 镕')}\n`,
        part(
          `Content-Type: application/octet-stream\nContent-Disposition: attachment; filename="${gbWord(name)}"`,
        ),
        part(`Content-Type: application/msword; name="${gbWord('附件5-镕.doc', 'GBK')}"`),
      ),
    );
    expect(mail.subject).toBe('第1期 镕');
    expect(mail.attachments.map((a) => a.filename)).toEqual([name, '附件5-镕.doc']);
  });

  it('joins Foxmail encoded words that split one name in two inside the quotes', async () => {
    const bytes = gb('附件4：河北省第1期报名汇总表.xlsx');
    // split on a character boundary, as Foxmail does for long names
    const a = bytes.subarray(0, 12).toString('base64');
    const b = bytes.subarray(12).toString('base64');
    const mail = await parseInbound(
      multipart(
        '',
        part(
          `Content-Type: application/vnd.ms-excel;\n name="=?gb2312?B?${a}?=\n =?gb2312?B?${b}?="\nContent-Disposition: attachment;\n filename="=?gb2312?B?${a}?=\n =?gb2312?B?${b}?="`,
        ),
      ),
    );
    expect(mail.attachments.map((x) => x.filename)).toEqual(['附件4：河北省第1期报名汇总表.xlsx']);
  });

  it('decodes Outlook RFC 2231 continuations with a charset name (gb2312 and utf-8)', async () => {
    const gbName = gb('附件4：广东省第5期领军人才培训报名汇总表㐀.xlsx');
    const utf = Buffer.from('附件3：领军人才培训工作信息表（广东省）.xlsx', 'utf8');
    const mail = await parseInbound(
      multipart(
        '',
        part(
          `Content-Type: application/vnd.ms-excel\nContent-Disposition: attachment;\n filename*0*=gb2312''${pct(gbName.subarray(0, 20))};\n filename*1*=${pct(gbName.subarray(20))}`,
        ),
        part(
          `Content-Type: application/vnd.ms-excel;\n name*0*=utf-8''${pct(utf.subarray(0, 30))};\n name*1*=${pct(utf.subarray(30))}\nContent-Disposition: attachment`,
        ),
      ),
    );
    expect(mail.attachments.map((x) => x.filename)).toEqual([
      '附件4：广东省第5期领军人才培训报名汇总表㐀.xlsx',
      '附件3：领军人才培训工作信息表（广东省）.xlsx',
    ]);
  });

  it('keeps raw UTF-8 header bytes as UTF-8 (not misread as GBK)', async () => {
    const mail = await parseInbound(
      multipart(
        rawMail('Subject: ', Buffer.from('四川省报名', 'utf8'), '\n'),
        part(rawMail('Content-Type: application/zip; name="', Buffer.from('四川省材料.zip', 'utf8'), '"')),
      ),
    );
    expect(mail.subject).toBe('四川省报名');
    expect(mail.attachments.map((x) => x.filename)).toEqual(['四川省材料.zip']);
  });

  it('prefers the name parameter when filename lost its extension, and derives a name when both are absent', async () => {
    const mail = await parseInbound(
      multipart(
        '',
        part(
          `Content-Type: application/vnd.ms-excel; name="${gbWord('附件4-山西省.xls')}"\nContent-Disposition: attachment; filename="${gbWord('附件4-山西省')}"`,
        ),
        part(
          'Content-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document\nContent-Disposition: attachment',
        ),
        part(
          `Content-Type: application/vnd.ms-excel; name="${gbWord('..\\..\\etc/附件4.xls')}"\nContent-Disposition: attachment`,
        ),
      ),
    );
    expect(mail.attachments.map((x) => x.filename)).toEqual([
      '附件4-山西省.xls',
      '未命名附件2.docx',
      '附件4.xls',
    ]);
  });

  it('decodeUnlabelled reads valid UTF-8 as UTF-8 and anything else as GB18030', () => {
    expect(decodeUnlabelled(Buffer.from('镕基', 'utf8'))).toBe('镕基');
    expect(decodeUnlabelled(gb('镕基𠀀'))).toBe('镕基𠀀');
  });

  it('leaves attachment and body bytes untouched while normalising headers', () => {
    const body = gb('正文不动');
    const raw = rawMail(
      'Subject: ',
      gb('标题'),
      '\nContent-Type: multipart/mixed; boundary=BB\n\n--BB\nContent-Type: text/plain; charset=gbk\nContent-Transfer-Encoding: 8bit\n\n',
      body,
      '\n--BB--\n',
    );
    const out = normalizeHeaderBytes(raw);
    expect(out.includes(Buffer.from('标题', 'utf8'))).toBe(true);
    expect(out.includes(Buffer.from('charset=gb18030'))).toBe(true);
    expect(out.includes(body)).toBe(true);
    const plain = rawMail('Subject: hello\n\nbody\n');
    expect(normalizeHeaderBytes(plain)).toBe(plain);
  });
});

describe('attachments: inline parts, winmail.dat, forwarded messages', () => {
  it('turns winmail.dat into a notice instead of an attachment', async () => {
    const mail = await parseInbound(
      multipart(
        '',
        part(
          'Content-Type: application/ms-tnef; name="winmail.dat"\nContent-Disposition: attachment; filename="winmail.dat"',
        ),
      ),
    );
    expect(mail.attachments).toEqual([]);
    expect(mail.notices).toHaveLength(1);
    expect(mail.notices[0]?.kind).toBe('winmail');
    expect(mail.notices[0]?.file).toBe('winmail.dat');
    expect(mail.notices[0]?.message).toContain('普通附件');
  });

  it('keeps inline office files (Outlook) and skips inline signature images', async () => {
    const png = Buffer.from('89504e470d0a1a0a', 'hex').toString('base64');
    const raw = rawMail(
      'From: a@b.cn\n',
      HEAD,
      'Content-Type: multipart/mixed; boundary="BB"\n\n',
      '--BB\nContent-Type: multipart/related; boundary="RR"\n\n',
      '--RR\nContent-Type: text/html; charset=utf-8\n\n<p>hi <img src="cid:sig@x"></p>\n',
      `--RR\nContent-Type: image/png; name="image001.png"\nContent-ID: <sig@x>\nContent-Disposition: inline; filename="image001.png"\nContent-Transfer-Encoding: base64\n\n${png}\n`,
      '--RR--\n',
      part(
        `Content-Type: application/vnd.ms-excel; name="${gbWord('附件4.xls')}"\nContent-Disposition: inline; filename="${gbWord('附件4.xls')}"`,
      ),
      part('Content-Type: image/jpeg; name="photo.jpg"\nContent-Disposition: inline; filename="photo.jpg"'),
      '--BB--\n',
    );
    const mail = await parseInbound(raw);
    expect(mail.attachments.map((a) => [a.filename, a.inline])).toEqual([['附件4.xls', true]]);
  });

  function innerMessage(subject: string, filename: string, extra = ''): Buffer {
    return rawMail(
      'From: ',
      gb('原发件人'),
      ` <orig@163.com>\nSubject: ${subject}\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="II${subject}"\n\n`,
      `--II${subject}\nContent-Type: text/plain\n\ninner\n`,
      `--II${subject}\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename="${gbWord(filename)}"\nContent-Transfer-Encoding: base64\n\n${ZIP_B64}\n`,
      extra,
      `--II${subject}--\n`,
    );
  }

  it('includes files inside forwarded messages, base64 attachment and inline 8bit alike', async () => {
    const asAttachment = innerMessage('fw1', '附件4-转发.xlsx').toString('base64');
    const inline = innerMessage('fw2', '附件5-转发.docx');
    const raw = multipart(
      'Subject: Fwd\n',
      part('Content-Type: message/rfc822\nContent-Disposition: attachment; filename="fw.eml"', asAttachment),
      rawMail('--BB\nContent-Type: message/rfc822\nContent-Disposition: inline\n\n', inline, '\n'),
    );
    const mail = await parseInbound(raw);
    expect(mail.attachments.map((a) => a.filename).sort()).toEqual(
      ['附件4-转发.xlsx', '附件5-转发.docx'].sort(),
    );
    for (const a of mail.attachments) {
      expect(Buffer.from(a.content).subarray(0, 2).toString()).toBe('PK');
      // The bytes own their buffer: a library given `content.buffer` reads this part and nothing else.
      expect(a.content.buffer.byteLength).toBe(a.content.byteLength);
    }
  });

  it(`opens forwarded messages only ${MAX_FORWARD_DEPTH} levels deep`, async () => {
    let msg = innerMessage('d0', 'deepest.xlsx');
    for (let level = 1; level <= MAX_FORWARD_DEPTH + 1; level++) {
      const wrapped = rawMail(
        `From: l${level}@b.cn\nSubject: d${level}\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="W${level}"\n\n`,
        `--W${level}\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename="level${level}.xlsx"\nContent-Transfer-Encoding: base64\n\n${ZIP_B64}\n`,
        `--W${level}\nContent-Type: message/rfc822\nContent-Disposition: attachment\nContent-Transfer-Encoding: base64\n\n${msg.toString('base64')}\n`,
        `--W${level}--\n`,
      );
      msg = wrapped;
    }
    const mail = await parseInbound(msg);
    const names = mail.attachments.map((a) => a.filename);
    // top level is depth 0: levels MAX+1 .. 1 are opened down to depth MAX
    expect(names).toContain(`level${MAX_FORWARD_DEPTH + 1}.xlsx`);
    expect(names).toContain('level1.xlsx');
    expect(names).not.toContain('deepest.xlsx');
  });
});

describe('message identity and kinds', () => {
  it('derives a stable Message-ID from the raw bytes when the header is missing', async () => {
    const raw = rawMail('From: a@b.cn\nSubject: x\n\nbody\n');
    const a = await parseInbound(raw);
    const b = await parseInbound(new Uint8Array(raw));
    const hex = createHash('sha256').update(raw).digest('hex');
    expect(a.messageId).toBe(`<${hex}@lingjun.invalid>`);
    expect(a.messageIdDerived).toBe(true);
    expect(b.messageId).toBe(a.messageId);
  });

  it('reads threading headers and treats an unparseable Date as null', async () => {
    const mail = await parseInbound(
      rawMail(
        'From: a@b.cn\nTo: x@y.cn, "乙" <z@y.cn>\nReply-To: other@evil.example\nSubject: x\nMessage-ID: <m2@b.cn>\nIn-Reply-To: <m1@y.cn>\nReferences: <m0@y.cn> <m1@y.cn>\nDate: not a date\n\nbody\n',
      ),
    );
    expect(mail.inReplyTo).toBe('<m1@y.cn>');
    expect(mail.references).toEqual(['<m0@y.cn>', '<m1@y.cn>']);
    expect(mail.to.map((t) => t.address)).toEqual(['x@y.cn', 'z@y.cn']);
    expect(mail.replyTo.map((t) => t.address)).toEqual(['other@evil.example']);
    expect(mail.date).toBeNull();
  });

  const cases: [string, string, ReturnType<typeof String>][] = [
    ['Auto-Submitted: auto-replied', 'auto-reply', 'false'],
    ['Auto-Submitted: auto-generated; owner-email="x@y"', 'auto-reply', 'false'],
    ['Auto-Submitted: no', 'normal', 'true'],
    ['X-Autoreply: yes', 'auto-reply', 'false'],
    ['Precedence: junk', 'auto-reply', 'false'],
    ['Precedence: auto_reply', 'auto-reply', 'false'],
    ['List-Id: <provinces.lists.example.cn>', 'list', 'false'],
    ['Return-Path: <>', 'bounce', 'false'],
    ['X-Other: 1\nFrom: MAILER-DAEMON@mx.example.cn', 'bounce', 'false'],
  ];
  for (const [header, kind, reply] of cases) {
    it(`${header.split('\n').pop()} -> ${kind}`, async () => {
      const from = header.includes('From:') ? '' : 'From: a@b.cn\n';
      const mail = await parseInbound(
        rawMail(`${header}\n${from}Subject: x\nMessage-ID: <k@b.cn>\n\nbody\n`),
      );
      expect(mail.kind).toBe(kind);
      expect(String(shouldReply(mail))).toBe(reply);
    });
  }

  it('never answers its own mailbox or a mail without a From', async () => {
    const own = await parseInbound(rawMail('From: jiayue@miitec.cn\nSubject: x\n\nbody\n'));
    expect(shouldReply(own)).toBe(true);
    expect(shouldReply(own, { ownAddresses: ['JIAYUE@miitec.cn'] })).toBe(false);
    const none = await parseInbound(rawMail('Subject: x\n\nbody\n'));
    expect(none.from).toBeNull();
    expect(shouldReply(none)).toBe(false);
  });
});

describe('limits', () => {
  // Parse speed is measured by the bench (intake stage); a quadratic slip would show there, not as a flaky bound.
  it('parses a 4.5 MB attachment whole', async () => {
    const big = Buffer.alloc(4_500_000, 7).toString('base64').replace(/.{76}/g, '$&\n');
    const raw = multipart('', part('Content-Type: application/zip; name="big.zip"', big));
    const mail = await parseInbound(raw);
    expect(mail.attachments[0]?.content.byteLength).toBe(4_500_000);
    expect(mail.attachments[0]?.content.every((b) => b === 7)).toBe(true);
  });

  it(`refuses parts nested more than ${MAX_PART_NESTING} deep with MailParseError`, async () => {
    let body = 'Content-Type: text/plain\n\ndeep\n';
    for (let i = 0; i < MAX_PART_NESTING + 5; i++) {
      body = `Content-Type: multipart/mixed; boundary="N${i}"\n\n--N${i}\n${body}--N${i}--\n`;
    }
    await expect(parseInbound(rawMail('From: a@b.cn\nSubject: deep\n', body))).rejects.toBeInstanceOf(
      MailParseError,
    );
    let shallow = 'Content-Type: text/plain\n\nshallow\n';
    for (let i = 0; i < 10; i++) {
      shallow = `Content-Type: multipart/mixed; boundary="S${i}"\n\n--S${i}\n${shallow}--S${i}--\n`;
    }
    expect((await parseInbound(rawMail('From: a@b.cn\nSubject: ok\n', shallow))).text.trim()).toBe('shallow');
  });

  it('parses from a Uint8Array view with a byte offset', async () => {
    const raw = rawMail('From: a@b.cn\nSubject: view\n\nbody\n');
    const padded = new Uint8Array(raw.length + 10);
    padded.set(raw, 10);
    const mail = await parseInbound(padded.subarray(10));
    expect(mail.subject).toBe('view');
    expect(mail.size).toBe(raw.length);
  });
});
