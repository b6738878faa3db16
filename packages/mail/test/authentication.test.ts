import { describe, expect, it } from 'vitest';
import { authenticateSender, type MailHeader, organisationalDomain } from '../src/index.ts';

/** Authentication-Results as SES writes it on receipt (AWS SES developer guide, sample incoming email event). */
function sesResults(o: {
  spf?: string;
  mailFrom?: string;
  dkim?: string;
  dkimDomain?: string;
  dmarc?: string;
  headerFrom?: string;
}) {
  return (
    `amazonses.com; spf=${o.spf ?? 'pass'} (spfCheck: domain of ${o.mailFrom?.split('@')[1] ?? 'x'} designates 203.0.113.0 as permitted sender) ` +
    `client-ip=203.0.113.0; envelope-from=${o.mailFrom ?? 'prvs=144d0cba42=sender@example.com'}; helo=smtp.example.com; ` +
    `dkim=${o.dkim ?? 'pass'} header.i=@${o.dkimDomain ?? 'example.com'}; dmarc=${o.dmarc ?? 'pass'} header.from=${o.headerFrom ?? 'example.com'};`
  );
}

function headers(from: string | string[], results?: string | string[]): MailHeader[] {
  const out: MailHeader[] = [];
  for (const r of [results ?? []].flat()) out.push({ name: 'Authentication-Results', value: r });
  out.push({ name: 'Received', value: 'from smtp.example.com by inbound-smtp.us-east-1.amazonaws.com' });
  for (const f of [from].flat()) out.push({ name: 'From', value: f });
  out.push({ name: 'Subject', value: 'x' });
  return out;
}

const CONTACT = 'hbzxqy@163.com';
const aligned163 = sesResults({ mailFrom: CONTACT, dkimDomain: '163.com', headerFrom: '163.com' });

describe('authenticateSender: the From header is exactly one mailbox', () => {
  const forged: [string, string, RegExp][] = [
    ['a list of two addresses', `${CONTACT}, attacker@evil.example`, /多个地址/],
    ['a list with display names', `"河北" <${CONTACT}>, <attacker@evil.example>`, /多个地址/],
    ['group syntax', `Undisclosed: ${CONTACT};`, /群组/],
    ['an empty group', 'undisclosed-recipients:;', /群组/],
    ['an address in a comment', `${CONTACT} (attacker@evil.example)`, /注释/],
    ['a comment around the real address', `attacker@evil.example (${CONTACT})`, /注释/],
    ['trailing junk after the angle address', `<${CONTACT}> junk`, /其他内容/],
    ['a second address after the angle address', `<${CONTACT}> attacker@evil.example`, /其他内容/],
    ['two bare addresses', `${CONTACT} attacker@evil.example`, /格式不规范/],
    ['an unquoted address as display name', `${CONTACT} <attacker@evil.example>`, /显示名/],
    ['a quoted address as display name', `"${CONTACT}" <attacker@evil.example>`, /另一个邮箱地址/],
    [
      'an encoded address as display name',
      `=?UTF-8?B?${Buffer.from(CONTACT).toString('base64')}?= <a@evil.example>`,
      /另一个邮箱地址/,
    ],
    ['an unterminated quote', `"河北 <${CONTACT}>`, /未闭合/],
    ['a domain literal', 'hbzxqy@[192.0.2.1]', /格式不规范/],
  ];
  for (const [what, from, reason] of forged) {
    it(`refuses ${what}`, async () => {
      const v = await authenticateSender(headers(from, aligned163));
      expect(v.aligned).toBe(false);
      expect(v.from).toBeNull();
      expect(v.reasons.join('\n')).toMatch(reason);
    });
  }

  it('refuses two From headers', async () => {
    const v = await authenticateSender(headers([CONTACT, 'attacker@evil.example'], aligned163));
    expect(v.aligned).toBe(false);
    expect(v.reasons.join()).toMatch(/多个发件人/);
  });

  const plain: [string, string][] = [
    ['a bare address', CONTACT],
    ['an angle address', `<${CONTACT}>`],
    ['a quoted Chinese display name', `"河北省中小企业局" <${CONTACT}>`],
    ['an encoded display name', `=?GBK?B?1cXI/Q==?= <${CONTACT}>`],
    ['the same address as display name', `"${CONTACT}" <${CONTACT}>`],
    ['an obs-phrase with a dot', `John Q. Public <${CONTACT}>`],
    ['a comment without an address', `${CONTACT} (张三)`],
    ['upper case', `<HBZXQY@163.COM>`],
  ];
  for (const [what, from] of plain) {
    it(`accepts ${what}`, async () => {
      const v = await authenticateSender(headers(from, aligned163));
      expect(v).toMatchObject({ from: CONTACT, fromDomain: '163.com', aligned: true, reasons: [] });
    });
  }
});

describe('authenticateSender: authentication aligned with the From domain', () => {
  const from = 'zxqyj@sd.gov.cn';

  it('DMARC pass for the From domain is enough', async () => {
    const v = await authenticateSender(
      headers(
        from,
        sesResults({ spf: 'pass', mailFrom: 'bounce@relay.example', dkim: 'none', headerFrom: 'sd.gov.cn' }),
      ),
    );
    expect(v.aligned).toBe(true);
    expect(v.dmarc).toEqual({ result: 'pass', domain: 'sd.gov.cn', aligned: true });
    expect(v.spf).toEqual({ result: 'pass', domain: 'relay.example', aligned: false });
  });

  it('SPF pass alone for a subdomain of the same organisation, DMARC without a record (GRAY)', async () => {
    const v = await authenticateSender(
      headers(
        from,
        sesResults({
          mailFrom: 'prvs=1a=mail@jxt.sd.gov.cn',
          dkim: 'none',
          dmarc: 'none',
          headerFrom: 'sd.gov.cn',
        }),
      ),
    );
    expect(v.aligned).toBe(true);
    expect(v.spf).toEqual({ result: 'pass', domain: 'jxt.sd.gov.cn', aligned: true });
    expect(v.dmarc.aligned).toBe(false);
  });

  it('DKIM pass alone for the From domain (header.i), SPF for someone else', async () => {
    const v = await authenticateSender(
      headers(
        from,
        sesResults({
          mailFrom: 'x@evil.example',
          dkimDomain: 'sd.gov.cn',
          dmarc: 'none',
          headerFrom: 'sd.gov.cn',
        }),
      ),
    );
    expect(v.aligned).toBe(true);
    expect(v.dkim).toEqual({ result: 'pass', domain: 'sd.gov.cn', aligned: true });
  });

  it('RFC 8601 properties as mailauth writes them (smtp.mailfrom, header.d) under another authserv-id', async () => {
    const v = await authenticateSender(
      headers(from, [
        'mx.example.cn; spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=a@sd.gov.cn smtp.helo=mail.sd.gov.cn; dkim=pass header.i=@sd.gov.cn header.s=k header.a=rsa-sha256 header.b="abc"; dmarc=none header.from=sd.gov.cn',
      ]),
      { authservId: 'mx.example.cn' },
    );
    expect(v.aligned).toBe(true);
    expect(v.spf.domain).toBe('sd.gov.cn');
  });

  it('SPF and DKIM pass for another domain, DMARC without a record: not aligned', async () => {
    const v = await authenticateSender(
      headers(
        from,
        sesResults({
          mailFrom: 'a@evil.example',
          dkimDomain: 'evil.example',
          dmarc: 'none',
          headerFrom: 'sd.gov.cn',
        }),
      ),
    );
    expect(v.aligned).toBe(false);
    expect(v.from).toBe(from);
    expect(v.reasons.join()).toMatch(/均未对发件人域名 sd\.gov\.cn 通过/);
  });

  it('another province under gov.cn is another organisation', async () => {
    expect(await organisationalDomain('jxt.sd.gov.cn')).toBe('sd.gov.cn');
    expect(await organisationalDomain('mail.163.com')).toBe('163.com');
    expect(await organisationalDomain('a.b.com.cn')).toBe('b.com.cn');
    const v = await authenticateSender(
      headers(
        from,
        sesResults({
          mailFrom: 'a@hebei.gov.cn',
          dkimDomain: 'hebei.gov.cn',
          dmarc: 'none',
          headerFrom: 'sd.gov.cn',
        }),
      ),
    );
    expect(v.aligned).toBe(false);
  });

  it('DMARC fail is decisive even when SPF passes for the domain', async () => {
    const v = await authenticateSender(
      headers(from, sesResults({ mailFrom: 'a@sd.gov.cn', dmarc: 'fail', headerFrom: 'sd.gov.cn' })),
    );
    expect(v.aligned).toBe(false);
  });

  it('DMARC about another From domain than the one parsed is not trusted', async () => {
    const v = await authenticateSender(
      headers(from, sesResults({ mailFrom: 'a@sd.gov.cn', headerFrom: 'evil.example' })),
    );
    expect(v.aligned).toBe(false);
    expect(v.reasons.join()).toMatch(/不一致/);
  });

  it('only the first Authentication-Results counts: a forged one below it is ignored', async () => {
    const v = await authenticateSender(
      headers(from, [
        sesResults({
          spf: 'fail',
          mailFrom: 'a@evil.example',
          dkim: 'none',
          dmarc: 'none',
          headerFrom: 'sd.gov.cn',
        }),
        'amazonses.com; spf=pass smtp.mailfrom=a@sd.gov.cn; dkim=pass header.d=sd.gov.cn; dmarc=pass header.from=sd.gov.cn',
      ]),
    );
    expect(v.aligned).toBe(false);
  });

  it('no Authentication-Results, or one from another server first: not aligned', async () => {
    expect((await authenticateSender(headers(from))).aligned).toBe(false);
    const other = await authenticateSender(
      headers(from, 'mx.evil.example; spf=pass smtp.mailfrom=a@sd.gov.cn; dmarc=pass header.from=sd.gov.cn'),
    );
    expect(other.aligned).toBe(false);
    expect(other.reasons.join()).toMatch(/不是 amazonses\.com/);
  });
});
