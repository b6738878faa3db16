/**
 * The deploy-asset test for the organisation-mailbox configuration (issue 17): the app synthesized with
 * `ingress=imap` and `egress=smtp`, and the IMAP poller's own asset run in a fresh node, as Lambda runs it on
 * its Scheduler event, against a real IMAP server holding the program mailbox and an SMTP submission server
 * that demands STARTTLS and the mailbox's login, verified against a test CA as the deployed code verifies the
 * organisation's certificate (no switch that turns verification off).
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AwsConfig } from '@lingjun/aws';
import { PASSING, withAuthenticationResults } from '@lingjun/local';
import { type LocalImap, startImap } from '@lingjun/local/imap';
import { type LocalSubmission, startSubmission } from '@lingjun/local/imap-submission';
import { parseProgram } from '@lingjun/program';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isolatedTable } from '../../test/setup/aws.ts';
import { people, submission } from '../../test/support/submission.ts';
import { type DeployedApp, outbox, synthesizeDeployed } from './support/deployed.ts';

/** authserv-id of the organisation's receiving server, as the deployment configures it. */
const AUTHSERV_ID = 'mx.org.example.test';

// A certificate for 127.0.0.1 issued by a test CA (both valid for a century; the CA's key was not kept).
const TLS_DIR = join(import.meta.dirname, 'fixtures/tls');

let imap: LocalImap | undefined;
let smtp: LocalSubmission | undefined;
// The submission server's own outbox, apart from local SES's, so a reply found there went out over SMTP.
let smtpOutbox: string | undefined;
let deployed: DeployedApp | undefined;
let local: AwsConfig;

beforeAll(async () => {
  local = await isolatedTable('assets-imap');
  // The mailbox server first: the deployment's context names its host and port, as it would name the real one.
  imap = await startImap();
  smtpOutbox = await mkdtemp(join(tmpdir(), 'lingjun-smtp-outbox-'));
  smtp = await startSubmission({
    user: imap.user,
    password: imap.password,
    outboxDir: smtpOutbox,
    tls: {
      key: readFileSync(join(TLS_DIR, 'loopback.key')),
      cert: readFileSync(join(TLS_DIR, 'loopback.pem')),
    },
  });
  deployed = await synthesizeDeployed({
    context: {
      ingress: 'imap',
      egress: 'smtp',
      mailboxHost: imap.host,
      mailboxSecure: false,
      imapPort: imap.port,
      smtpPort: smtp.port,
      mailboxSentFolder: 'Sent',
      mailboxUser: imap.user,
      mailboxSince: '2025-05-20',
      authservId: AUTHSERV_ID,
    },
    supplied: {
      LINGJUN_KEY_SECRET: 'asset-test-person-key',
      LINGJUN_CERT_SECRET: 'asset-test-certificate-key',
      LINGJUN_VERIFY_URL: 'https://verify.example.test/',
      // In AWS the poller reads the password from the secret this ARN names; there is no Secrets Manager
      // here (nothing may fake AWS), so it gets the password the way the code reads it locally.
      LINGJUN_MAILBOX_SECRET: null,
    },
    added: {
      ImapPoll: {
        LINGJUN_MAILBOX_PASSWORD: imap.password,
        // The organisation's server has a certificate from a public CA in AWS; here the test CA is trusted.
        NODE_EXTRA_CA_CERTS: join(TLS_DIR, 'ca.pem'),
      },
    },
    local,
  });
}, 180_000);

afterAll(async () => {
  await smtp?.stop();
  await imap?.stop();
  await deployed?.dispose();
  if (smtpOutbox) await rm(smtpOutbox, { recursive: true, force: true });
});

describe('the synthesized assets with ingress=imap', () => {
  it('deploys the poller with an asset of its own and no SES receipt', () => {
    const poller = deployed!.functions.get('ImapPoll');
    expect(poller).toBeDefined();
    const dirs = [...deployed!.functions.values()].map((f) => f.assetDir);
    expect(new Set(dirs).size).toBe(dirs.length);
    expect(poller!.environment).toMatchObject({
      LINGJUN_INGRESS: 'imap',
      LINGJUN_EGRESS: 'smtp',
      LINGJUN_MAILBOX_HOST: imap!.host,
      LINGJUN_IMAP_PORT: String(imap!.port),
      LINGJUN_AUTHSERV_ID: AUTHSERV_ID,
    });
  });

  it("the poller's asset takes a region's submission from INBOX, answers it once over SMTP submission and files it", async () => {
    const program = parseProgram(
      JSON.parse(readFileSync(join(deployed!.functions.get('ImapPoll')!.assetDir, 'program.json'), 'utf8')),
    );
    const from = 'hbzxqy@163.com';
    const { raw, messageId } = await submission({
      program,
      from,
      region: '河北',
      classNo: 1,
      people: people(1, 1911),
    });
    // As the organisation's server delivers it: its Authentication-Results (aligned pass) on top.
    imap!.deliver(
      withAuthenticationResults(raw, PASSING, {}, AUTHSERV_ID),
      new Date('2025-06-05T10:00:00+08:00'),
    );
    expect(imap!.count('INBOX')).toBe(1);

    // EventBridge Scheduler invokes the target with no input configured.
    const run = await deployed!.invoke('ImapPoll', {});
    expect(run.result).toEqual({ taken: 1, vanished: 0, failed: 0 });

    const replies = await outbox((m) => m.inReplyTo === messageId, smtpOutbox);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.to && 'value' in replies[0]!.to ? replies[0]!.to.value[0]?.address : '').toBe(from);
    expect(replies[0]!.subject).toMatch(/河北/);
    expect(imap!.count('INBOX')).toBe(0);
    expect(imap!.count('Processed')).toBe(1);
    // Submitted through the organisation's server, and a copy filed in Sent for people reading the mailbox.
    expect(imap!.count('Sent')).toBe(1);
  });
});
