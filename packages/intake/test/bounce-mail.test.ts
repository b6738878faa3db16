import { describe, expect, it } from 'vitest';
import { ourRecipients, returnedMailIds, sentMailId } from '../src/bounce-mail.ts';

describe('linking a DSN to the reply it returns', () => {
  it('looks the reply up by its Message-ID, by SES id when SES rewrote the Message-ID, then by envelope id', () => {
    expect(returnedMailIds('<reply-0123abcd@miitec.cn>', null)).toEqual(['reply-0123abcd@miitec.cn']);
    expect(
      returnedMailIds('<010001900c8f1e2b-5a6b-4c7d-8e9f-0a1b2c3d4e5f-000000@email.amazonses.com>', 'env-1'),
    ).toEqual([
      '010001900c8f1e2b-5a6b-4c7d-8e9f-0a1b2c3d4e5f-000000@email.amazonses.com',
      '010001900c8f1e2b-5a6b-4c7d-8e9f-0a1b2c3d4e5f-000000',
      'env-1',
    ]);
    expect(returnedMailIds(null, null)).toEqual([]);
  });

  it('remembers SES ids and Message-IDs alike, without brackets', () => {
    expect(sentMailId(' <reply-1@miitec.cn> ')).toBe('reply-1@miitec.cn');
    expect(sentMailId('0100018f-ses-id')).toBe('0100018f-ses-id');
  });

  it('records only addresses the reply went to; a forwarded single recipient is that recipient', () => {
    expect(ourRecipients(['a@x.cn', 'other@y.cn'], ['A@x.cn', 'b@x.cn'])).toEqual(['a@x.cn']);
    expect(ourRecipients(['rewritten@relay.cn'], ['a@x.cn'])).toEqual(['a@x.cn']);
    expect(ourRecipients(['rewritten@relay.cn'], ['a@x.cn', 'b@x.cn'])).toEqual([]);
    expect(ourRecipients([], ['a@x.cn'])).toEqual([]);
  });
});
