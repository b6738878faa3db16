/**
 * The IMAP ingress against a real IMAP server (hoodiecrow, started per test on loopback) and the shared local
 * stack: every message taken gets one outcome and one reply, and leaves the inbox only once that is recorded.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { createRequire } from 'node:module';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import {
  connectMailbox,
  fetchMessage,
  findNew,
  ImapConnectionError,
  type ImapMailbox,
  inboundRefOf,
  openInbox,
  type PollDeps,
  pollMailbox,
  storeRaw,
  sweepInbound,
  verdictsOf,
} from '@lingjun/ingress';
import { processInbound } from '@lingjun/intake';
import { type LocalImap, startImap } from '@lingjun/local/imap';
import { type DnsResolver, OWN_AUTHSERV_ID } from '@lingjun/mail/mailauth';
import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, harness, testProgram } from '../../../test/support/intake.ts';
import { people, submission } from '../../../test/support/submission.ts';

const IN_TIME = new Date('2025-06-05T10:00:00+08:00');
const SINCE = new Date('2025-06-01T00:00:00+08:00');
const AUTHSERV = 'mail.miitec.cn';

let imap: LocalImap;
let h: Harness;

beforeEach(async () => {
  imap = await startImap();
  h = await harness(await testProgram());
});
afterEach(async () => {
  await imap.stop();
});

function mailbox(over: Partial<ImapMailbox> = {}): ImapMailbox {
  return {
    host: imap.host,
    port: imap.port,
    secure: false,
    user: imap.user,
    pass: imap.password,
    since: SINCE,
    ...over,
  };
}

function pollDeps(over: Partial<PollDeps> = {}): PollDeps {
  return { mailbox: mailbox(), intake: h.deps(), authservId: AUTHSERV, ...over };
}

/**
 * What the organisation's server writes on top of mail from 163.com that it authenticated: SPF for the envelope
 * sender, 163.com's DKIM signature, and DMARC passing for the From domain (RFC 8601 properties).
 */
const ALIGNED = `${AUTHSERV}; spf=pass smtp.mailfrom=hbzxqy@163.com; dkim=pass header.d=163.com header.s=s1; dmarc=pass header.from=163.com`;

/** Hebei's registered contact submits one person, as the mailbox holds it: no header added. */
function contactMail(seed: number) {
  return submission({
    program: h.program,
    from: 'hbzxqy@163.com',
    region: '河北',
    classNo: 1,
    people: people(1, seed),
  });
}

/** The contact's submission with the organisation server's Authentication-Results on top. */
async function fixture(seed: number, authResults = ALIGNED) {
  const { raw, messageId } = await contactMail(seed);
  return { raw: Buffer.concat([Buffer.from(`Authentication-Results: ${authResults}\r\n`), raw]), messageId };
}

const require = createRequire(import.meta.url);
// mailauth's own signer (lib/dkim/sign, as its `mailauth sign` command uses it): 163.com signs as its server would.
const { dkimSign } = require('mailauth/lib/dkim/sign') as {
  dkimSign(
    input: Buffer,
    opts: { signatureData: { signingDomain: string; selector: string; privateKey: string }[] },
  ): Promise<{ signatures: string }>;
};
const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });

/** DNS for our own check: 163.com's DKIM key under selector s1 and its DMARC policy, if given; nothing else. */
function dns163(dmarc?: string): DnsResolver {
  const key = keys.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  return async (name, rrtype) => {
    if (rrtype === 'TXT' && name === 's1._domainkey.163.com') return [[`v=DKIM1; k=rsa; p=${key}`]];
    if (rrtype === 'TXT' && name === '_dmarc.163.com' && dmarc) return [[dmarc]];
    throw Object.assign(new Error(`no ${rrtype} for ${name}`), { code: 'ENOTFOUND' });
  };
}

/** A message DKIM-signed by 163.com with the key dns163 serves. */
async function signed163(raw: Buffer): Promise<Buffer> {
  const privateKey = keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const { signatures } = await dkimSign(raw, {
    signatureData: [{ signingDomain: '163.com', selector: 's1', privateKey }],
  });
  return Buffer.concat([Buffer.from(signatures), raw]);
}

/** The raw copy the poller stored for a fetched message (keyed by a digest of the fetched bytes). */
async function storedCopy(fetched: Buffer): Promise<Buffer> {
  const id = createHash('sha256').update(fetched).digest('hex').slice(0, 40);
  return Buffer.from(await h.deps().store.get(`inbound/${id}`));
}

/** Held for the bureau, never answered as 河北: nothing registered, any reply to the sender the held notice. */
async function expectHeld(status: string | undefined, messageId: string) {
  expect(status).toBe('held');
  expect(await h.deps().registry.listRegion('130000')).toEqual([]);
  for (const r of await h.repliesTo(messageId)) expect((await simpleParser(r)).subject).toContain('待确认');
  const [held] = await h.deps().registry.listMessages('held');
  expect(held?.heldReason).toContain('未通过发件人认证');
  expect(imap.count('INBOX')).toBe(0);
}

describe('IMAP ingress through a real IMAP server', () => {
  it('a message in INBOX gets one outcome and one reply, its raw copy under inbound/, and leaves INBOX', async () => {
    const { raw, messageId } = await fixture(501);
    imap.deliver(raw, IN_TIME);
    const res = await pollMailbox(pollDeps());
    expect(res.outcomes.map((o) => o.status)).toEqual(['accepted']);
    expect(await h.repliesTo(messageId)).toHaveLength(1);
    expect(imap.count('INBOX')).toBe(0);
    expect(imap.count('Processed')).toBe(1);
    const stored = await storeRaw(h.deps().store, raw);
    expect(stored.rawKey).toMatch(/^inbound\/[0-9a-f]{40}$/);
    expect(Buffer.from(await h.deps().store.get(stored.rawKey)).equals(raw)).toBe(true);
    // The next poll finds nothing more to do.
    expect((await pollMailbox(pollDeps())).outcomes).toEqual([]);
  });

  it('the same message delivered twice is one outcome: the second is a duplicate, answered once', async () => {
    const { raw, messageId } = await fixture(502);
    imap.deliver(raw, IN_TIME);
    imap.deliver(raw, IN_TIME);
    const res = await pollMailbox(pollDeps());
    expect(res.outcomes.map((o) => o.status)).toEqual(['accepted', 'duplicate']);
    expect(await h.repliesTo(messageId)).toHaveLength(1);
    expect(imap.count('INBOX')).toBe(0);
  });

  it('a poller killed between record and move, restarted after a UIDVALIDITY change, neither loses nor doubles', async () => {
    const { raw, messageId } = await fixture(503);
    imap.deliver(raw, IN_TIME);
    // The first run records the outcome and dies before its move.
    const client = await connectMailbox(mailbox());
    const uidValidity = await openInbox(client, 'INBOX');
    const [uid] = await findNew(client, SINCE, 10);
    const msg = (await fetchMessage(client, uid!))!;
    // As takeMessage does it: judge, store, record.
    const checked = await verdictsOf(msg.raw, { authservId: AUTHSERV });
    const stored = await storeRaw(h.deps().store, checked.raw, undefined, msg.raw);
    const first = await processInbound(inboundRefOf(stored, msg.receivedAt, checked), h.deps());
    client.close();
    expect(first.status).toBe('accepted');
    expect(imap.count('INBOX')).toBe(1);
    // The server rebuilds the mailbox meanwhile: new UIDVALIDITY, new UIDs. The poller kept no UID to trust.
    const inbox = imap.server.getMailbox('INBOX')!;
    inbox.uidvalidity += 1;
    for (const m of inbox.messages) m.uid = inbox.uidnext++;
    const res = await pollMailbox(pollDeps());
    expect(res.uidValidity).toBe(String(uidValidity + 1n));
    expect(res.outcomes.map((o) => o.status)).toEqual(['duplicate']);
    expect(await h.repliesTo(messageId)).toHaveLength(1);
    expect(imap.count('INBOX')).toBe(0);
    expect(imap.count('Processed')).toBe(1);
  });

  it('takes only mail received since the configured day out of thousands of older messages', async () => {
    for (let i = 0; i < 2000; i++) {
      imap.deliver(
        `From: old${i}@example.cn\r\nSubject: old ${i}\r\nMessage-ID: <old${i}@example.cn>\r\n\r\nold`,
        new Date('2024-03-01T08:00:00Z'),
      );
    }
    const { raw, messageId } = await fixture(504);
    imap.deliver(raw, IN_TIME);
    const res = await pollMailbox(pollDeps());
    expect(res.outcomes).toHaveLength(1);
    expect(await h.repliesTo(messageId)).toHaveLength(1);
    expect(imap.count('INBOX')).toBe(2000);
  });

  it('a message deleted after the search is skipped, not an error', async () => {
    const { raw } = await fixture(505);
    imap.deliver(raw, IN_TIME);
    const client = await connectMailbox(mailbox());
    await openInbox(client, 'INBOX');
    const [uid] = await findNew(client, SINCE, 10);
    const other = await connectMailbox(mailbox());
    await other.mailboxOpen('INBOX');
    await other.messageDelete(String(uid), { uid: true });
    await other.logout();
    expect(await fetchMessage(client, uid!)).toBeUndefined();
    await client.logout();
  });

  it('a connection lost mid-fetch ends the poll with ImapConnectionError; the next poll takes the message once', async () => {
    const { raw, messageId } = await fixture(506);
    imap.deliver(raw, IN_TIME);
    const proxy = await cuttingProxy(imap.port, /UID FETCH/i);
    try {
      await expect(pollMailbox(pollDeps({ mailbox: mailbox({ port: proxy.port }) }))).rejects.toBeInstanceOf(
        ImapConnectionError,
      );
    } finally {
      await proxy.close();
    }
    expect(imap.count('INBOX')).toBe(1);
    const res = await pollMailbox(pollDeps());
    expect(res.outcomes.map((o) => o.status)).toEqual(['accepted']);
    expect(await h.repliesTo(messageId)).toHaveLength(1);
  });

  it('a message whose processing fails stays in INBOX without holding up the next; a later poll takes it', async () => {
    const a = await fixture(510);
    const b = await fixture(511);
    imap.deliver(a.raw, IN_TIME);
    imap.deliver(b.raw, IN_TIME);
    // Fault injection on our own storage port: the first message's raw copy cannot be written this time.
    const real = h.deps().store;
    const badKey = (await storeRaw({ put: async () => undefined, get: real.get }, a.raw)).rawKey;
    const store = {
      get: real.get.bind(real),
      put: async (key: string, body: Uint8Array, type?: string) => {
        if (key === badKey) throw new Error('S3 unavailable');
        return real.put(key, body, type);
      },
    };
    const first = await pollMailbox(pollDeps({ intake: { ...h.deps(), store } }));
    expect(first.failed).toBe(1);
    expect(first.outcomes.map((o) => o.status)).toEqual(['accepted']);
    expect(await h.repliesTo(b.messageId)).toHaveLength(1);
    expect(imap.count('INBOX')).toBe(1);
    const second = await pollMailbox(pollDeps());
    expect(second.outcomes.map((o) => o.status)).toEqual(['accepted']);
    expect(await h.repliesTo(a.messageId)).toHaveLength(1);
    expect(imap.count('INBOX')).toBe(0);
  });

  it("a forged From failing the organisation server's Authentication-Results is quarantined, never answered", async () => {
    // A forger's own "pass" header (another authserv-id) must not count.
    const { raw, messageId } = await fixture(
      507,
      `${AUTHSERV}; spf=fail smtp.mailfrom=163.com; dkim=fail header.d=163.com; dmarc=fail header.from=163.com`,
    );
    const firstLine = raw.indexOf('\r\n') + 2;
    const withFakePass = Buffer.concat([
      raw.subarray(0, firstLine),
      Buffer.from('Authentication-Results: forger.example; spf=pass; dkim=pass; dmarc=pass\r\n'),
      raw.subarray(firstLine),
    ]);
    imap.deliver(withFakePass, IN_TIME);
    const res = await pollMailbox(pollDeps());
    expect(res.outcomes.map((o) => o.status)).toEqual(['quarantined']);
    expect(await h.repliesTo(messageId)).toHaveLength(0);
    expect(await h.deps().registry.listRegion('130000')).toEqual([]);
    expect(imap.count('INBOX')).toBe(0);
  });

  it('without that header, a From failing DMARC through mailauth (DNS answered locally) is quarantined', async () => {
    const { raw, messageId } = await submission({
      program: h.program,
      from: 'hbzxqy@163.com',
      region: '河北',
      classNo: 1,
      people: people(1, 509),
    });
    imap.deliver(raw, IN_TIME);
    // 163.com publishes p=reject and this message carries no DKIM signature of 163.com.
    const resolver = async (name: string, rrtype: string) => {
      if (rrtype === 'TXT' && name === '_dmarc.163.com') return [['v=DMARC1; p=reject']];
      throw Object.assign(new Error(`no ${rrtype} for ${name}`), { code: 'ENOTFOUND' });
    };
    const res = await pollMailbox(pollDeps({ resolver }));
    expect(res.outcomes.map((o) => o.status)).toEqual(['quarantined']);
    expect(await h.repliesTo(messageId)).toHaveLength(0);
    expect(imap.count('INBOX')).toBe(0);
  });

  it("a contact's mail whose server header vouches only for another domain is held, never answered as 河北", async () => {
    // SPF and DKIM passed for the forger's own domain; 163.com's DMARC result is none (no record found).
    const { raw, messageId } = await fixture(
      520,
      `${AUTHSERV}; spf=pass smtp.mailfrom=bounce@evil.example; dkim=pass header.d=evil.example; dmarc=none header.from=163.com`,
    );
    imap.deliver(raw, IN_TIME);
    const res = await pollMailbox(pollDeps());
    await expectHeld(res.outcomes[0]?.status, messageId);
  });

  it("a contact's unsigned mail without the server's header is held by our own check (no DMARC record)", async () => {
    const { raw, messageId } = await contactMail(521);
    imap.deliver(raw, IN_TIME);
    const res = await pollMailbox(pollDeps({ resolver: dns163() }));
    await expectHeld(res.outcomes[0]?.status, messageId);
    // The policy read our own header: it is the stored copy's first Authentication-Results.
    const stored = (await storedCopy(raw)).toString('latin1');
    expect(stored.match(/^Authentication-Results: .*$/m)?.[0]).toBe(
      `Authentication-Results: ${OWN_AUTHSERV_ID};`,
    );
  });

  it("mail DKIM-signed by the contact's domain, without the server's header, passes DMARC in our own check", async () => {
    const { raw: unsigned, messageId } = await contactMail(522);
    const raw = await signed163(unsigned);
    imap.deliver(raw, IN_TIME);
    const res = await pollMailbox(pollDeps({ resolver: dns163('v=DMARC1; p=reject') }));
    expect(res.outcomes.map((o) => o.status)).toEqual(['accepted']);
    expect(await h.repliesTo(messageId)).toHaveLength(1);
    expect(await h.deps().registry.listRegion('130000')).toHaveLength(1);
    // What the policy read is the header our check prepended to the fetched message, stored under inbound/.
    const stored = await storedCopy(raw);
    const text = stored.toString('latin1');
    expect(text.startsWith('Received-SPF: ') || text.startsWith('Authentication-Results: ')).toBe(true);
    const ours = text.slice(0, text.indexOf('DKIM-Signature:'));
    expect(ours).toMatch(new RegExp(`^Authentication-Results: ${OWN_AUTHSERV_ID};`, 'm'));
    expect(ours.replace(/\r\n[ \t]+/g, ' ')).toMatch(/dmarc=pass .*header\.from=163\.com/);
    expect(stored.subarray(stored.length - raw.length).equals(raw)).toBe(true);
  });

  it(`a forged "${OWN_AUTHSERV_ID}" header in the message does not count: ours is on top, and it is held`, async () => {
    const { raw: plain, messageId } = await contactMail(523);
    const raw = Buffer.concat([
      Buffer.from(
        `Authentication-Results: ${OWN_AUTHSERV_ID}; spf=pass smtp.mailfrom=hbzxqy@163.com; dkim=pass header.d=163.com; dmarc=pass header.from=163.com\r\n`,
      ),
      plain,
    ]);
    imap.deliver(raw, IN_TIME);
    const res = await pollMailbox(pollDeps({ resolver: dns163() }));
    await expectHeld(res.outcomes[0]?.status, messageId);
    const headers = (await storedCopy(raw))
      .toString('latin1')
      .replace(/\r\n[ \t]+/g, ' ')
      .split('\r\n')
      .filter((l) => l.startsWith('Authentication-Results:'));
    // Ours first, saying 163.com's DMARC found no record; the forger's below it.
    expect(headers).toHaveLength(2);
    expect(headers[0]).toMatch(/dmarc=none/);
    expect(headers[1]).toContain('dmarc=pass');
  });

  it('identifies itself with IMAP ID before SELECT, as Coremail and NetEase require', async () => {
    const ids = new Set<unknown>();
    const seen: unknown[] = [];
    const id = imap.server.getCommandHandler('ID');
    imap.server.setCommandHandler('ID', (connection, parsed, data, done) => {
      ids.add(connection);
      seen.push(parsed.attributes?.[0]);
      id(connection, parsed, data, done);
    });
    const select = imap.server.getCommandHandler('SELECT');
    imap.server.setCommandHandler('SELECT', (connection, parsed, data, done) => {
      if (ids.has(connection)) return select(connection, parsed, data, done);
      connection.send(
        {
          tag: parsed.tag,
          command: 'NO',
          attributes: [{ type: 'TEXT', value: 'SELECT Unsafe Login. Please contact kefu@188.com for help' }],
        },
        'SELECT FAILED',
        parsed,
        data,
      );
      done();
    });
    const { raw } = await fixture(508);
    imap.deliver(raw, IN_TIME);
    const res = await pollMailbox(pollDeps());
    expect(res.outcomes).toHaveLength(1);
    expect(JSON.stringify(seen)).toContain('lingjun');
    // A client that sends no ID is refused, so the check above is what let the poller in.
    const answer = await rawSession(imap.port, [`a1 LOGIN ${imap.user} ${imap.password}`, 'a2 SELECT INBOX']);
    expect(answer).toMatch(/a2 NO .*Unsafe Login/);
  });
});

/** Sends IMAP commands over a bare socket (no ID) and returns everything the server said by the last tag. */
function rawSession(port: number, commands: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(port, '127.0.0.1');
    const lastTag = commands.at(-1)!.split(' ')[0]!;
    let text = '';
    socket.on('error', reject);
    socket.once('data', () => socket.write(commands.map((c) => `${c}\r\n`).join('')));
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (new RegExp(`^${lastTag} `, 'm').test(text)) {
        socket.destroy();
        resolve(text);
      }
    });
  });
}

/** A TCP relay to the IMAP server that cuts both sides as soon as the client sends a matching command. */
async function cuttingProxy(
  target: number,
  cutOn: RegExp,
): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((down) => {
    const up = createConnection(target, '127.0.0.1');
    sockets.add(down).add(up);
    down.on('data', (chunk: Buffer) => {
      if (cutOn.test(chunk.toString('latin1'))) {
        down.destroy();
        up.destroy();
        return;
      }
      up.write(chunk);
    });
    up.on('data', (chunk: Buffer) => down.write(chunk));
    for (const s of [down, up]) {
      s.on('error', () => undefined).on('close', () => {
        down.destroy();
        up.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('mail the poller stored but never processed, re-driven only by the sweeper', () => {
  /** As takeMessage stores it, then the poller dies: the sweeper alone brings it to an outcome. */
  async function sweptOnly(raw: Buffer, opts: { authservId?: string; resolver?: DnsResolver }) {
    const checked = await verdictsOf(raw, opts);
    const stored = await storeRaw(h.deps().store, checked.raw, undefined, raw);
    return (organisationAuthservId?: string) =>
      sweepInbound({
        registry: h.deps().registry,
        store: h.deps().store,
        rawMail: { list: async () => [{ key: stored.rawKey, storedAt: IN_TIME }] },
        redrive: (ref) => processInbound(ref, h.deps()),
        prefix: 'inbound/',
        now: new Date(IN_TIME.getTime() + 60_000),
        minAgeMs: 0,
        ...(organisationAuthservId ? { organisationAuthservId } : {}),
      });
  }

  it("is judged against the organisation's server the poller trusted: the contact's list is accepted", async () => {
    const { raw, messageId } = await fixture(531);
    const sweep = await sweptOnly(raw, { authservId: AUTHSERV });
    expect((await sweep(AUTHSERV)).redriven).toHaveLength(1);
    const [record] = await h.deps().registry.listMessages();
    expect(record?.outcome?.status).toBe('accepted');
    expect(await h.deps().registry.listRegion('130000')).toHaveLength(1);
    expect(await h.repliesTo(messageId)).toHaveLength(1);
  });

  it('is judged against our own check when the poller ran it (no server id configured anywhere)', async () => {
    const { raw: unsigned, messageId } = await contactMail(532);
    const sweep = await sweptOnly(await signed163(unsigned), { resolver: dns163('v=DMARC1; p=reject') });
    expect((await sweep()).redriven).toHaveLength(1);
    const [record] = await h.deps().registry.listMessages();
    expect(record?.outcome?.status).toBe('accepted');
    expect(await h.repliesTo(messageId)).toHaveLength(1);
  });

  it('a server header the sweeper was not told to trust is not trusted: held, as the poller would', async () => {
    const { raw, messageId } = await fixture(533);
    const sweep = await sweptOnly(raw, { authservId: AUTHSERV });
    expect((await sweep()).redriven).toHaveLength(1);
    const [record] = await h.deps().registry.listMessages();
    expect(record?.status).toBe('held');
    expect(await h.deps().registry.listRegion('130000')).toEqual([]);
    for (const r of await h.repliesTo(messageId)) expect((await simpleParser(r)).subject).toContain('待确认');
  });
});
