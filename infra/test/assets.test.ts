/**
 * Runs what `cdk synth` would deploy, the way Lambda runs it: each function's asset folder stands in for
 * /var/task, its entry is loaded by a fresh `node` with the environment the template gives that function
 * (endpoints pointed at the shared local stack, secrets supplied), and its handler gets the event its
 * trigger sends. A function that shipped another function's bundle fails here on its first event.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import {
  type AwsConfig,
  courseRegistry,
  documentClient,
  rawMailKey,
  s3Client,
  verificationTable,
} from '@lingjun/aws';
import { certificateCode, codeHash } from '@lingjun/certificates/code';
import { buildSesEvent, PASSING, sesMessageId, withSesAuthenticationResults } from '@lingjun/local';
import { parseProgram } from '@lingjun/program';
import { Bounces } from '@lingjun/registry';
import { fillForm4 } from '@lingjun/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isolatedTable } from '../../test/setup/aws.ts';
import { buildEmail } from '../../test/support/email.ts';
import { people, submission } from '../../test/support/submission.ts';
import { PROGRAM_FILE_IN_BUNDLE } from '../src/lingjun-function.ts';
import {
  type Deployed,
  type DeployedApp,
  type Json,
  outbox,
  type Run,
  synthesizeDeployed,
} from './support/deployed.ts';

/**
 * The registry table as verify sees it here: a table that does not exist, so any read of it would fail the
 * function. Verify reads only the verification table.
 */
const NO_REGISTRY_FOR_VERIFY = 'verify-must-not-read-the-registry';

/** Values CloudFormation fills in at deploy time (secrets, the verify URL); the test supplies its own. */
const SUPPLIED: Record<string, string> = {
  LINGJUN_KEY_SECRET: 'asset-test-person-key',
  LINGJUN_CERT_SECRET: 'asset-test-certificate-key',
  LINGJUN_VERIFY_URL: 'https://verify.example.test/',
};

let deployed: DeployedApp | undefined;
let functions: Map<string, Deployed>;
let local: AwsConfig;

beforeAll(async () => {
  local = await isolatedTable('assets');
  deployed = await synthesizeDeployed({
    supplied: SUPPLIED,
    local,
    added: { Verify: { LINGJUN_TABLE: NO_REGISTRY_FOR_VERIFY } },
  });
  functions = deployed.functions;
}, 180_000);

afterAll(async () => {
  await deployed?.dispose();
});

const invoke = (name: string, event: unknown): Promise<Run> => deployed!.invoke(name, event);

/**
 * Stores raw mail under inbound/ as the SES S3 action does (with the Authentication-Results header SES adds),
 * then invokes intake with the receipt event.
 */
async function deliver(raw: Buffer, from: string, mailbox: string): Promise<Run> {
  const id = sesMessageId();
  const s3 = s3Client(local);
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: local.bucketName,
        Key: rawMailKey(id),
        Body: withSesAuthenticationResults(raw, PASSING),
      }),
    );
  } finally {
    s3.destroy();
  }
  const event = await buildSesEvent({
    messageId: id,
    raw,
    mailFrom: from,
    recipients: [mailbox],
    receivedAt: new Date('2025-06-05T02:00:00Z'),
    verdicts: PASSING,
  });
  return invoke('Intake', event);
}

describe('the synthesized function assets', () => {
  it('gives each function an asset of its own, with the program at /var/task', () => {
    expect([...functions.keys()].sort()).toEqual([
      'Bounces',
      'CourseEnd',
      'Intake',
      'Reminders',
      'Sweeper',
      'Verify',
    ]);
    const dirs = [...functions.values()].map((f) => f.assetDir);
    expect(new Set(dirs).size).toBe(dirs.length);
    for (const [name, f] of functions) {
      expect(f.environment.LINGJUN_PROGRAM_FILE).toBe(PROGRAM_FILE_IN_BUNDLE);
      expect(JSON.parse(readFileSync(deployed!.env(name).LINGJUN_PROGRAM_FILE!, 'utf8')).year).toBe(2025);
    }
  });

  it('intake answers an SES receipt event for mail stored under inbound/ with a reply', async () => {
    // The program the bundle carries, so the mail goes to the mailbox that deployment listens on.
    const program = parseProgram(
      JSON.parse(readFileSync(join(functions.get('Intake')!.assetDir, 'program.json'), 'utf8')),
    );
    const from = 'hbzxqy@163.com';
    const { raw, messageId } = await submission({
      program,
      from,
      region: '河北',
      classNo: 1,
      people: people(2, 1901),
    });
    await deliver(raw, from, program.mailbox);
    const replies = await outbox((m) => m.inReplyTo === messageId);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.to && 'value' in replies[0]!.to ? replies[0]!.to.value[0]?.address : '').toBe(from);
    expect(replies[0]!.subject).toMatch(/受理/);
  });

  it('the sweeper answers mail that reached inbound/ but whose intake never ran', async () => {
    const program = parseProgram(
      JSON.parse(readFileSync(join(functions.get('Sweeper')!.assetDir, 'program.json'), 'utf8')),
    );
    const from = 'sxzxqy@163.com';
    const { raw, messageId } = await submission({
      program,
      from,
      region: '山西',
      classNo: 1,
      people: people(1, 1903, '140000'),
    });
    const s3 = s3Client(local);
    try {
      // Stored as the SES S3 action stores it; the Lambda invocation that should follow is lost.
      await s3.send(
        new PutObjectCommand({
          Bucket: local.bucketName,
          Key: rawMailKey(sesMessageId()),
          Body: withSesAuthenticationResults(raw, PASSING),
        }),
      );
    } finally {
      s3.destroy();
    }
    // A run a quarter of an hour later, once the mail is older than the sweeper's minimum age.
    const run = await invoke('Sweeper', { now: new Date(Date.now() + 15 * 60_000).toISOString() });
    expect((run.result as { redriven: unknown[] }).redriven.length).toBeGreaterThanOrEqual(1);
    const replies = await outbox((m) => m.inReplyTo === messageId);
    expect(replies).toHaveLength(1);
    // A receipt (judged by the time the mail was stored, after this program's deadlines), not a held notice.
    expect(replies[0]!.subject).toMatch(/^【未予受理】.*山西省/);
  });

  it('intake handles a 40 MB email well inside the memory the stack gives it', async () => {
    const program = parseProgram(
      JSON.parse(readFileSync(join(functions.get('Intake')!.assetDir, 'program.json'), 'utf8')),
    );
    const from = 'sxzxqy@163.com';
    const form4 = await fillForm4(people(3, 1902, '140000'), '山西', 1, { program });
    // Scans attached beside the forms are what make a submission large; base64 grows 29 MB to ~40 MB.
    const scan = randomBytes(29 * 1024 * 1024);
    const { raw, messageId } = await buildEmail({
      from,
      attachments: [
        { filename: '附件4-第1期报名汇总表.xlsx', content: form4 },
        { filename: '营业执照扫描件.pdf', content: scan },
      ],
    });
    expect(raw.byteLength).toBeGreaterThan(40 * 1000 * 1000);
    const run = await deliver(raw, from, program.mailbox);
    expect(await outbox((m) => m.inReplyTo === messageId)).toHaveLength(1);
    const memoryMb = Number(functions.get('Intake')!.memorySize);
    // Peak resident memory of the whole process, measured; a quarter of the size stays free for worse mail.
    expect(run.maxRssKb / 1024).toBeLessThan(memoryMb * 0.75);
    console.info(
      `intake peak RSS on a ${(raw.byteLength / 1e6).toFixed(1)} MB email: ${Math.round(run.maxRssKb / 1024)} MB of ${memoryMb} MB`,
    );
  });

  it('reminders run the daily deadline job for a Scheduler event, digest included', async () => {
    const scheduledTime = '2025-06-03T01:00:00Z';
    const run = await invoke('Reminders', { kind: 'reminders', scheduledTime });
    const done = run.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Json)
      .find((l) => l.msg === 'daily deadline job done');
    // It acted for the planned instant (not the wall clock), and the bureau's digest was due that morning.
    expect(new Date(done?.at).toISOString()).toBe(new Date(scheduledTime).toISOString());
    expect(done?.digest).toBe('sent');
  });

  it('bounces records an SES bounce event from EventBridge against the region of the mail it answers', async () => {
    const messageId = `asset-test-${Date.now()}`;
    await new Bounces(documentClient(local), local.tableName, 2025).remember(
      messageId,
      { region: '140000', kind: 'reminder', pk: 'Y#2025#REMIND#140000', sk: '2025-06-09#2025-06-06' },
      new Date(),
    );
    const event = {
      version: '0',
      source: 'aws.ses',
      'detail-type': 'Email Bounced',
      detail: {
        eventType: 'Bounce',
        mail: { messageId, timestamp: '2025-06-06T01:00:00.000Z', tags: { 'ses:configuration-set': ['x'] } },
        bounce: {
          bounceType: 'Permanent',
          bounceSubType: 'General',
          timestamp: '2025-06-06T01:00:05.000Z',
          bouncedRecipients: [{ emailAddress: 'gone@sx.example.cn' }],
        },
      },
    };
    const run = await invoke('Bounces', event);
    expect(run.result).toEqual({ region: '140000', recorded: 1 });
    const recorded = await new Bounces(documentClient(local), local.tableName, 2025).list();
    expect(recorded.filter((b) => b.messageId === messageId).map((b) => [b.region, b.address])).toEqual([
      ['140000', 'gone@sx.example.cn'],
    ]);
  });

  it('course-end runs its check for a Scheduler event, for the day it was scheduled', async () => {
    const run = await invoke('CourseEnd', { kind: 'course-end', scheduledTime: '2025-07-05T12:00:00Z' });
    const results = run.result as { classNo: number; status: string }[];
    // On 5 July only class 1 (from 24 June) has ended, and this table holds no attendance sheet for it.
    expect(results.map((r) => [r.classNo, r.status])).toEqual([[1, 'no-attendance']]);
  });

  it('verify answers a Function URL event with the HTML page and with JSON', async () => {
    const urlEvent = (query: Record<string, string> | undefined, accept: string) => ({
      version: '2.0',
      rawPath: '/',
      rawQueryString: new URLSearchParams(query ?? {}).toString(),
      headers: { accept },
      ...(query ? { queryStringParameters: query } : {}),
      requestContext: { http: { method: 'GET', path: '/', sourceIp: `198.51.100.${Date.now() % 200}` } },
      isBase64Encoded: false,
    });
    const page = (await invoke('Verify', urlEvent(undefined, 'text/html'))).result as Json;
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toContain('结业证书核验');
    const answer = (
      await invoke('Verify', urlEvent({ n: '2025-01-999', c: 'AAAA-BBBB-CCCC' }, 'application/json'))
    ).result as Json;
    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ valid: false, status: 'not_found' });

    // A certificate as course-end leaves it: issued in the registry, published to the verification table
    // with its code hash. Verify, which holds no secret and cannot reach the registry table, confirms the
    // right code and refuses a wrong one.
    expect(deployed!.env('Verify').LINGJUN_TABLE).toBe(NO_REGISTRY_FOR_VERIFY);
    expect(deployed!.env('Verify').LINGJUN_VERIFY_TABLE).toBe(local.verifyTableName);
    const course = courseRegistry(local, 2025);
    const { record } = await course.issue(
      {
        year: 2025,
        classNo: 1,
        personKey: 'asset-test-person',
        region: '130000',
        name: '张三丰',
        enterprise: '某某公司',
        start: '2025-06-24',
        end: '2025-06-27',
        location: '北京',
      },
      new Date('2025-06-28T00:00:00Z'),
    );
    const code = certificateCode(SUPPLIED.LINGJUN_CERT_SECRET!, record.number);
    await verificationTable(local).publish(record, codeHash(record.number, code));
    const genuine = (await invoke('Verify', urlEvent({ n: record.number, c: code }, 'application/json')))
      .result as Json;
    expect(JSON.parse(genuine.body)).toEqual({
      valid: true,
      status: 'genuine',
      number: record.number,
      name: '张*丰',
      classNo: 1,
      start: '2025-06-24',
      end: '2025-06-27',
      location: '北京',
    });
    const html = (await invoke('Verify', urlEvent({ n: record.number, c: code }, 'text/html')))
      .result as Json;
    expect(html.headers['content-type']).toMatch(/text\/html/);
    expect(html.body).toContain('证书真实有效');
    expect(html.body).toContain('张*丰');
    expect(html.body).not.toContain('张三丰');
    const wrong = (
      await invoke('Verify', urlEvent({ n: record.number, c: 'AAAA-AAAA-AAAA' }, 'application/json'))
    ).result as Json;
    expect(JSON.parse(wrong.body)).toEqual({ valid: false, status: 'not_found' });
    // A revocation reaches the verification table in the registry's own transaction.
    expect(await course.revoke(record.number, '资料有误', new Date('2025-07-01T00:00:00Z'))).toBe(true);
    const revoked = (await invoke('Verify', urlEvent({ n: record.number, c: code }, 'application/json')))
      .result as Json;
    expect(JSON.parse(revoked.body)).toMatchObject({
      valid: false,
      status: 'revoked',
      revokedAt: '2025-07-01T00:00:00.000Z',
    });
    expect(functions.get('Verify')!.environment.LINGJUN_CERT_SECRET).toBeUndefined();
  });
});
