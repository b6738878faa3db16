import { parseStrictHtml } from '@lingjun/mail/testing';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import {
  composeMessage,
  composeReply,
  displayWidth,
  escapeHtml,
  MAX_REPLY_BYTES,
  parseInbound,
  renderTable,
  renderTextTable,
  replySubject,
} from '../src/index.ts';
import { fixtureFile } from './helpers.ts';

const PROGRAM = { address: 'jiayue@miitec.cn', name: '领军人才培训报名系统' };

describe('composeReply', () => {
  it('threads, marks itself automatic and round-trips Chinese subject and filename', async () => {
    const original = await parseInbound(fixtureFile('mail', 'foxmail-hebei-class1.eml'));
    const workbook = new Uint8Array(Buffer.from('PK\u0003\u0004annotated', 'latin1'));
    const reply = await composeReply({
      original: { ...original, references: ['<root@163.com>'] },
      from: PROGRAM,
      text: '河北省第1期：接收 3 人。',
      html: '<p>河北省第1期：接收 3 人。</p>',
      attachments: [{ filename: '附件4：河北省第1期报名汇总表（标注）.xlsx', content: workbook }],
      messageId: '<reply-1@miitec.cn>',
      date: new Date('2026-11-26T08:00:00Z'),
    });
    expect(reply.to).toEqual(['hbzxqy@163.com']);
    expect(reply.subject).toBe('Re: 河北省第1期领军人才培训报名材料');
    expect(reply.messageId).toBe('<reply-1@miitec.cn>');
    expect(reply.dropped).toEqual([]);

    const parsed = await simpleParser(Buffer.from(reply.raw));
    expect(parsed.messageId).toBe('<reply-1@miitec.cn>');
    expect(parsed.inReplyTo).toBe(original.messageId);
    expect(parsed.references).toEqual(['<root@163.com>', original.messageId]);
    expect(parsed.headers.get('auto-submitted')).toBe('auto-replied');
    expect(parsed.headers.get('x-auto-response-suppress')).toBe('All');
    expect(parsed.from?.value).toEqual([{ address: 'jiayue@miitec.cn', name: '领军人才培训报名系统' }]);
    expect(parsed.subject).toBe('Re: 河北省第1期领军人才培训报名材料');
    expect(parsed.date?.toISOString()).toBe('2026-11-26T08:00:00.000Z');
    expect(parsed.text?.trim()).toBe('河北省第1期：接收 3 人。');
    expect(parsed.html).toContain('<p>河北省第1期：接收 3 人。</p>');
    expect(parsed.attachments.map((a) => a.filename)).toEqual(['附件4：河北省第1期报名汇总表（标注）.xlsx']);
    expect(parsed.attachments[0]?.contentType).toBe(
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
    expect(Buffer.compare(parsed.attachments[0]?.content ?? Buffer.alloc(0), Buffer.from(workbook))).toBe(0);
    // Our own parser must see a reply as automatic, so two instances can never answer each other.
    const self = await parseInbound(reply.raw);
    expect(self.kind).toBe('auto-reply');
  });

  it('keeps an existing Re: and sends to an explicit recipient list', async () => {
    expect(replySubject('回复：山东省报名')).toBe('回复：山东省报名');
    expect(replySubject('RE: x')).toBe('RE: x');
    expect(replySubject('')).toBe('Re: （无主题）');
    const reply = await composeReply({
      original: {
        messageId: '<a@b.cn>',
        references: [],
        subject: 'x',
        from: { address: 'a@b.cn', name: '' },
      },
      to: ['c@d.cn'],
      subject: '关于第2期报名的确认',
      from: PROGRAM,
      text: 't',
      html: '<p>t</p>',
    });
    const parsed = await simpleParser(Buffer.from(reply.raw));
    expect(parsed.to && !Array.isArray(parsed.to) ? parsed.to.value.map((v) => v.address) : []).toEqual([
      'c@d.cn',
    ]);
    expect(parsed.subject).toBe('关于第2期报名的确认');
  });

  it('drops the largest attachments to stay under the size limit and says so in both bodies', async () => {
    const big = new Uint8Array(600_000).fill(65);
    const medium = new Uint8Array(300_000).fill(66);
    const small = new Uint8Array(1_000).fill(67);
    const reply = await composeReply({
      original: {
        messageId: '<a@b.cn>',
        references: [],
        subject: '报名',
        from: { address: 'a@b.cn', name: '' },
      },
      from: PROGRAM,
      text: '正文',
      html: '<p>正文</p>',
      attachments: [
        { filename: '小.xlsx', content: small },
        { filename: '大-标注.xlsx', content: big },
        { filename: '中-标注.xlsx', content: medium },
      ],
      maxBytes: 500_000,
    });
    expect(reply.raw.length).toBeLessThanOrEqual(500_000);
    expect(reply.dropped).toEqual(['大-标注.xlsx']);
    expect(reply.attachments).toEqual(['小.xlsx', '中-标注.xlsx']);
    const parsed = await simpleParser(Buffer.from(reply.raw));
    expect(parsed.attachments.map((a) => a.filename)).toEqual(['小.xlsx', '中-标注.xlsx']);
    expect(parsed.text).toContain('标注后的报名表过大');
    expect(parsed.text).toContain('大-标注.xlsx');
    expect(parsed.html).toContain('标注后的报名表过大');
  });

  it('uses the 10 MB SES limit by default', async () => {
    expect(MAX_REPLY_BYTES).toBe(10_000_000);
    const reply = await composeMessage({
      from: PROGRAM,
      to: ['a@b.cn'],
      subject: '大附件',
      text: 't',
      html: '<p>t</p>',
      // 8 MB of data becomes ~10.8 MB once base64-encoded
      attachments: [{ filename: '名单.xlsx', content: new Uint8Array(8_000_000) }],
    });
    expect(reply.dropped).toEqual(['名单.xlsx']);
    expect(reply.raw.length).toBeLessThan(MAX_REPLY_BYTES);
  });
});

describe('composeMessage', () => {
  it('builds non-reply mail (reminders, digests) as auto-generated with a generated Message-ID', async () => {
    const msg = await composeMessage({
      from: PROGRAM,
      to: ['hb@163.com', 'hb2@163.com'],
      cc: ['bureau@example.gov.cn'],
      subject: '提醒：第1期报名截止前尚缺材料',
      text: '尚缺：附件3',
      html: '<p>尚缺：附件3</p>',
    });
    expect(msg.messageId).toMatch(/^<[0-9a-f-]{36}@miitec\.cn>$/);
    const parsed = await simpleParser(Buffer.from(msg.raw));
    expect(parsed.headers.get('auto-submitted')).toBe('auto-generated');
    expect(parsed.inReplyTo).toBeUndefined();
    expect(parsed.subject).toBe('提醒：第1期报名截止前尚缺材料');
    expect(parsed.messageId).toBe(msg.messageId);
    expect(parsed.cc && !Array.isArray(parsed.cc) ? parsed.cc.value[0]?.address : '').toBe(
      'bureau@example.gov.cn',
    );
  });
});

describe('HTML helpers', () => {
  it('escapes every HTML-special character', () => {
    expect(escapeHtml(`<script>alert("x")</script> & 'y'`)).toBe(
      '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;',
    );
    expect(escapeHtml(null)).toBe('');
    expect(escapeHtml(12)).toBe('12');
  });

  it('renders an inline-styled table with escaped cells and line breaks', () => {
    const html = renderTable(['文件', '行', '问题'], [['附件4.xlsx', 7, '统一社会信用代码<错误>\n请核对']]);
    expect(html).toContain('<table style=');
    expect(html).toContain('<th style="');
    expect(html).toContain('<td style="border:1px solid #999;padding:4px 8px;vertical-align:top;">7</td>');
    expect(html).toContain('统一社会信用代码&lt;错误&gt;<br />\n请核对');
    expect(html).not.toContain('<错误>');
    expect(html).not.toMatch(/<style/);
  });

  it('renders HTML a strict parser accepts: the table style keeps its font names inside the attribute', () => {
    const html = renderTable(['文件', '问题'], [['a&b.xlsx', '“引号” "quoted" \'x\'\n第二行']]);
    const parsed = parseStrictHtml(html);
    expect(parsed.text).toContain('a&b.xlsx');
    expect(parsed.text).toContain('"quoted"');
    expect(parsed.elements).toBeGreaterThan(6);
    expect(html).toContain("font-family:Arial,'Microsoft YaHei',sans-serif;");
    // The style that was cut short at the inner double quote is refused by the same parser.
    expect(() => parseStrictHtml('<table style="font-family:Arial,"Microsoft YaHei"></table>')).toThrow();
    expect(() => parseStrictHtml('<p>a<br>b</p>')).toThrow();
  });

  it('renders the text equivalent aligned by display width', () => {
    const text = renderTextTable(
      ['文件', 'row'],
      [
        ['附件4.xlsx', 7],
        ['a', null],
      ],
    );
    const lines = text.split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe('文件       | row');
    expect(lines[1]).toBe('-----------+----');
    expect(lines[2]).toBe('附件4.xlsx | 7');
    expect(lines[3]).toBe('a          |');
    expect(displayWidth('附件4.xlsx')).toBe(10);
  });
});
