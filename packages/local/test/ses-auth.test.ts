import { authenticateSender, parseInbound } from '@lingjun/mail';
import { describe, expect, it } from 'vitest';
import { LOCAL_AUTHSERV_ID } from '../src/imap-ingress.ts';
import {
  PASSING,
  parseAuthOption,
  withAuthenticationResults,
  withSesAuthenticationResults,
} from '../src/index.ts';

const MAIL = Buffer.from(
  [
    'From: "河北" <hbzxqy@163.com>',
    'To: jiayue@miitec.cn',
    'Subject: x',
    'Message-ID: <a@163.com>',
    '',
    'body',
    '',
  ].join('\r\n'),
);

describe('the Authentication-Results header SES adds on receipt, locally', () => {
  it('is prepended in SES layout and, by default, passes aligned with the From domain', async () => {
    const raw = withSesAuthenticationResults(MAIL, PASSING);
    const first = raw.toString().split('\r\n')[0];
    expect(first).toMatch(/^Authentication-Results: amazonses\.com; spf=pass \(spfCheck: [^)]*\) client-ip=/);
    expect(first).toContain('envelope-from=bounce@163.com; helo=localhost; dkim=pass header.i=@163.com');
    expect(first).toContain('dmarc=pass header.from=163.com;');
    const mail = await parseInbound(raw);
    expect(mail.authentication).toMatchObject({ from: 'hbzxqy@163.com', aligned: true });
  });

  it('writes each check as --auth sets it, with the domain a check passed for', async () => {
    const auth = parseAuthOption('dmarc=none,spf=pass@evil.example,dkim=fail');
    expect(auth.verdicts).toEqual({ ...PASSING, dmarc: 'GRAY', dkim: 'FAIL' });
    const mail = await parseInbound(withSesAuthenticationResults(MAIL, auth.verdicts, auth.domains));
    expect(mail.authentication.spf).toEqual({ result: 'pass', domain: 'evil.example', aligned: false });
    expect(mail.authentication.dkim).toMatchObject({ result: 'fail' });
    expect(mail.authentication.dmarc).toMatchObject({ result: 'none', domain: '163.com' });
    expect(mail.authentication.aligned).toBe(false);
  });

  it('fail makes SPF, DKIM and DMARC fail; a wrong value is refused in Chinese', () => {
    expect(parseAuthOption('fail').verdicts).toEqual({
      ...PASSING,
      spf: 'FAIL',
      dkim: 'FAIL',
      dmarc: 'FAIL',
    });
    expect(() => parseAuthOption('spf=maybe')).toThrow(/--auth 的写法不对/);
    expect(() => parseAuthOption('dmarc=pass@evil.example')).toThrow(/--auth/);
  });

  it("the local mailbox's server writes the same header under its own authserv-id, trusted only as that id", async () => {
    const raw = withAuthenticationResults(MAIL, PASSING, {}, LOCAL_AUTHSERV_ID);
    expect(raw.toString().split('\r\n')[0]).toMatch(/^Authentication-Results: localhost; spf=pass /);
    const local = await parseInbound(raw, { authservId: LOCAL_AUTHSERV_ID });
    expect(local.authentication).toMatchObject({ from: 'hbzxqy@163.com', aligned: true });
    // Where SES's header is expected, the local server's is someone else's and vouches for nothing.
    expect((await parseInbound(raw)).authentication.aligned).toBe(false);
  });

  it('a message without the header is not trusted', async () => {
    expect((await authenticateSender([{ name: 'From', value: 'hbzxqy@163.com' }])).aligned).toBe(false);
    expect((await parseInbound(MAIL)).authentication.aligned).toBe(false);
  });
});
