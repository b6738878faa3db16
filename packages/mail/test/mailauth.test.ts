/** Sender authentication for mail fetched from the organisation's mailbox, with DNS answered locally. */
import { generateKeyPairSync } from 'node:crypto';
import { createRequire } from 'node:module';
import { parseInbound } from '@lingjun/mail';
import {
  authenticateMailbox,
  type DnsResolver,
  OWN_AUTHSERV_ID,
  verdictOf,
  verdictsFromAuthResults,
} from '@lingjun/mail/mailauth';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const { dkimSign } = require('mailauth/lib/dkim/sign') as {
  dkimSign(
    input: Buffer,
    opts: { signatureData: { signingDomain: string; selector: string; privateKey: string }[] },
  ): Promise<{ signatures: string }>;
};

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PUBLIC = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
const PRIVATE = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

/** DNS for hb.gov.cn: its DKIM key under selector s1 and a DMARC policy of reject; nothing else exists. */
const resolver: DnsResolver = async (name, rrtype) => {
  if (rrtype === 'TXT' && name === 's1._domainkey.hb.gov.cn') return [[`v=DKIM1; k=rsa; p=${PUBLIC}`]];
  if (rrtype === 'TXT' && name === '_dmarc.hb.gov.cn') return [['v=DMARC1; p=reject']];
  throw Object.assign(new Error(`no ${rrtype} for ${name}`), { code: 'ENOTFOUND' });
};

const MESSAGE = Buffer.from(
  'From: 河北省中小企业局 <zxqy@hb.gov.cn>\r\nTo: jiayue@miitec.cn\r\nSubject: =?UTF-8?B?5oql5ZCN?=\r\n' +
    'Message-ID: <m1@hb.gov.cn>\r\nDate: Thu, 05 Jun 2025 10:00:00 +0800\r\nMIME-Version: 1.0\r\n' +
    'Content-Type: text/plain; charset=utf-8\r\n\r\nhello\r\n',
);

async function signed(body = MESSAGE): Promise<Buffer> {
  const { signatures } = await dkimSign(body, {
    signatureData: [{ signingDomain: 'hb.gov.cn', selector: 's1', privateKey: PRIVATE }],
  });
  return Buffer.concat([Buffer.from(signatures), body]);
}

describe('mailbox authentication', () => {
  it('maps RFC 8601 results to the verdicts the sender policy reads', () => {
    expect(['pass', 'fail', 'softfail', 'none', 'temperror', undefined].map(verdictOf)).toEqual([
      'PASS',
      'FAIL',
      'GRAY',
      'GRAY',
      'PROCESSING_FAILED',
      'GRAY',
    ]);
  });

  it("reads only the organisation server's Authentication-Results, the topmost with its authserv-id", () => {
    const raw = Buffer.from(
      'Authentication-Results: mail.miitec.cn;\r\n spf=fail smtp.mailfrom=hb.gov.cn;\r\n dkim=fail header.d=hb.gov.cn; dmarc=fail header.from=hb.gov.cn\r\n' +
        'Authentication-Results: mail.miitec.cn; spf=pass; dkim=pass; dmarc=pass\r\n' +
        'Authentication-Results: forger.example; spf=pass; dkim=pass; dmarc=pass\r\n' +
        MESSAGE.toString(),
    );
    expect(verdictsFromAuthResults(raw, 'MAIL.miitec.cn')).toEqual({
      spf: 'FAIL',
      dkim: 'FAIL',
      dmarc: 'FAIL',
    });
    expect(verdictsFromAuthResults(raw, 'other.example')).toBeUndefined();
  });

  it('any passing DKIM signature passes DKIM', () => {
    const raw = Buffer.from(
      'Authentication-Results: mail.miitec.cn; dkim=fail header.d=x.cn; dkim=pass header.d=hb.gov.cn; spf=none; dmarc=pass\r\n' +
        MESSAGE.toString(),
    );
    expect(verdictsFromAuthResults(raw, 'mail.miitec.cn')).toEqual({
      spf: 'GRAY',
      dkim: 'PASS',
      dmarc: 'PASS',
    });
  });

  it('without that header, verifies a good DKIM signature and DMARC alignment with mailauth', async () => {
    const v = await authenticateMailbox(await signed(), { authservId: 'mail.miitec.cn', resolver });
    expect(v).toMatchObject({ source: 'mailauth', dkim: 'PASS', dmarc: 'PASS' });
  });

  it('a tampered message fails DKIM and, under p=reject, DMARC', async () => {
    const good = await signed();
    const tampered = Buffer.from(good.toString('utf8').replace('hello', 'HELLO forged'));
    const v = await authenticateMailbox(tampered, { authservId: 'mail.miitec.cn', resolver });
    expect(v).toMatchObject({ source: 'mailauth', dkim: 'FAIL', dmarc: 'FAIL' });
  });

  it('the sender policy reads the header our check prepends; a forged one with our id below it does not count', async () => {
    /** What the ingress stores: our check's header lines on top of the message as fetched. */
    const judged = async (raw: Buffer) => {
      const v = await authenticateMailbox(raw, { resolver });
      expect(v.authservId).toBe(OWN_AUTHSERV_ID);
      const stored = Buffer.concat([Buffer.from(v.headers!, 'latin1'), raw]);
      return (await parseInbound(stored, { authservId: v.authservId })).authentication;
    };
    expect(await judged(await signed())).toMatchObject({ from: 'zxqy@hb.gov.cn', aligned: true });
    const forged = Buffer.concat([
      Buffer.from(
        `Authentication-Results: ${OWN_AUTHSERV_ID}; spf=pass smtp.mailfrom=zxqy@hb.gov.cn; dkim=pass header.d=hb.gov.cn; dmarc=pass header.from=hb.gov.cn\r\n`,
      ),
      MESSAGE,
    ]);
    const auth = await judged(forged);
    expect(auth.aligned).toBe(false);
    expect(auth.dmarc).toMatchObject({ result: 'fail', domain: 'hb.gov.cn' });
  });

  it('an unsigned forged From of a domain with DMARC fails DMARC', async () => {
    const v = await authenticateMailbox(MESSAGE, { resolver });
    expect(v.dmarc).toBe('FAIL');
    expect(v.dkim).not.toBe('PASS');
  });
});
