/**
 * The deploy-asset test for the organisation-mailbox configuration (issue 17): the app synthesized with
 * `ingress=imap`, and the IMAP poller's own asset run in a fresh node, as Lambda runs it on its Scheduler
 * event, against a real IMAP server holding the program mailbox.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AwsConfig } from '@lingjun/aws';
import { PASSING, withAuthenticationResults } from '@lingjun/local';
import { type LocalImap, startImap } from '@lingjun/local/imap';
import { parseProgram } from '@lingjun/program';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isolatedTable } from '../../test/setup/aws.ts';
import { people, submission } from '../../test/support/submission.ts';
import { type DeployedApp, outbox, synthesizeDeployed } from './support/deployed.ts';

/** authserv-id of the organisation's receiving server, as the deployment configures it. */
const AUTHSERV_ID = 'mx.org.example.test';

let imap: LocalImap | undefined;
let deployed: DeployedApp | undefined;
let local: AwsConfig;

beforeAll(async () => {
  local = await isolatedTable('assets-imap');
  // The mailbox server first: the deployment's context names its host and port, as it would name the real one.
  imap = await startImap();
  deployed = await synthesizeDeployed({
    context: {
      ingress: 'imap',
      mailboxHost: imap.host,
      mailboxSecure: false,
      imapPort: imap.port,
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
    added: { ImapPoll: { LINGJUN_MAILBOX_PASSWORD: imap.password } },
    local,
  });
}, 180_000);

afterAll(async () => {
  await imap?.stop();
  await deployed?.dispose();
});

describe('the synthesized assets with ingress=imap', () => {
  it('deploys the poller with an asset of its own and no SES receipt', () => {
    const poller = deployed!.functions.get('ImapPoll');
    expect(poller).toBeDefined();
    const dirs = [...deployed!.functions.values()].map((f) => f.assetDir);
    expect(new Set(dirs).size).toBe(dirs.length);
    expect(poller!.environment).toMatchObject({
      LINGJUN_INGRESS: 'imap',
      LINGJUN_MAILBOX_HOST: imap!.host,
      LINGJUN_IMAP_PORT: String(imap!.port),
      LINGJUN_AUTHSERV_ID: AUTHSERV_ID,
    });
  });

  it("the poller's asset takes a region's submission from INBOX, answers it once and files it", async () => {
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

    const replies = await outbox((m) => m.inReplyTo === messageId);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.to && 'value' in replies[0]!.to ? replies[0]!.to.value[0]?.address : '').toBe(from);
    expect(replies[0]!.subject).toMatch(/河北/);
    expect(imap!.count('INBOX')).toBe(0);
    expect(imap!.count('Processed')).toBe(1);
  });
});
