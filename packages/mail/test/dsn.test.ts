import { describe, expect, it } from 'vitest';
import { parseDeliveryReport, parseInbound, permanentlyFailed } from '../src/index.ts';
import { deliveryStatusNotification } from '../src/testing.ts';
import { fixtureFile } from './helpers.ts';

describe('parseDeliveryReport', () => {
  it('reads the returned Message-ID and each recipient of an RFC 3464 report', async () => {
    const raw = deliveryStatusNotification({
      from: 'mailer-daemon@mx.sx-test.cn',
      to: 'jiayue@miitec.cn',
      originalMessageId: '<reply-abc123@miitec.cn>',
      recipient: 'Gone.User@sx-test.cn',
    });
    expect((await parseInbound(raw)).kind).toBe('bounce');
    const report = await parseDeliveryReport(raw);
    expect(report).toEqual({
      originalMessageId: '<reply-abc123@miitec.cn>',
      envelopeId: null,
      recipients: [{ address: 'gone.user@sx-test.cn', action: 'failed', status: '5.1.1' }],
    });
    expect(permanentlyFailed(report!.recipients[0]!)).toBe(true);
  });

  it('tells a delay (4.x.x) from a permanent failure', async () => {
    const raw = deliveryStatusNotification({
      from: 'postmaster@mx.sx-test.cn',
      to: 'jiayue@miitec.cn',
      originalMessageId: '<reply-def@miitec.cn>',
      recipient: 'slow@sx-test.cn',
      action: 'delayed',
      status: '4.4.7',
    });
    const report = await parseDeliveryReport(raw);
    expect(report?.recipients).toEqual([{ address: 'slow@sx-test.cn', action: 'delayed', status: '4.4.7' }]);
    expect(permanentlyFailed(report!.recipients[0]!)).toBe(false);
  });

  it('reads real reports: Postfix with the whole returned message, SES with folded fields', async () => {
    const postfix = await parseDeliveryReport(fixtureFile('corpus', 'postal-mime', 'bounce.eml'));
    expect(postfix?.originalMessageId).toBe('<e85f1c9b-9b51-4028-8ec0-0a657155028e@app.fastmail.com>');
    expect(postfix?.recipients).toEqual([
      { address: 'htfgvhyufthdgcvhgjyfthgc@ethereal.email', action: 'failed', status: '5.0.0' },
    ]);
    const ses = await parseDeliveryReport(fixtureFile('corpus', 'mailparser', 'delivery-status.eml'));
    expect(ses?.originalMessageId).toBe('<xxxxx@email.amazonses.com>');
    expect(ses?.recipients).toEqual([{ address: 'xxxx@xxxx.com', action: 'failed', status: '5.1.1' }]);
  });

  it('is undefined for mail without a delivery-status part', async () => {
    const raw = Buffer.from(
      'From: a@b.cn\r\nTo: c@d.cn\r\nSubject: hi\r\nMessage-ID: <x@b.cn>\r\n\r\nhello\r\n',
    );
    expect(await parseDeliveryReport(raw)).toBeUndefined();
  });
});
