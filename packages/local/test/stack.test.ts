import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { dynamoDbClient, RAW_MAIL_PREFIX, rawMailKey, s3Client, sesClient } from '@lingjun/aws';
import { isPortFree, type LocalStack, startLocalStack } from '@lingjun/local';
import { loadProgram, type Program } from '@lingjun/program';
import type { SESEvent } from 'aws-lambda';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const PROGRAM = new URL('../../../examples/program-2025.json', import.meta.url).pathname;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('local stack (in memory)', () => {
  let program: Program;
  let stack: LocalStack;
  const events: SESEvent[] = [];
  let startedIn = 0;

  beforeAll(async () => {
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
    program = await loadProgram(PROGRAM);
    const t = Date.now();
    stack = await startLocalStack({
      program,
      // Mail from this sender is marked as spam and failing SPF, as SES would for a forged sender.
      verdicts: ({ mailFrom }) => (mailFrom.startsWith('forger@') ? { spam: 'FAIL', spf: 'FAIL' } : {}),
      onInbound: async (event) => {
        events.push(event);
      },
    });
    startedIn = Date.now() - t;
    console.info(`local stack started in ${startedIn} ms (reported ${stack.startupMs} ms)`);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  function transport() {
    return nodemailer.createTransport({ host: '127.0.0.1', port: stack.smtpPort, secure: false });
  }

  it('stores mail for the program mailbox in S3 under inbound/ and hands onInbound an SES event', async () => {
    const before = events.length;
    const shouty = program.mailbox.replace(/^[^@]+/, (local) => local.toUpperCase());
    const info = await transport().sendMail({
      from: '河北省中小企业局 <hbzxqy@example.cn>',
      // Upper case on purpose: SES matches recipients case-insensitively.
      to: shouty,
      cc: 'someone@example.cn',
      subject: '第1期报名材料（河北省）',
      text: '请查收附件。',
      messageId: '<abc-123@example.cn>',
      attachments: [{ filename: '附件4.xlsx', content: Buffer.from('not really a workbook') }],
    });
    expect(info.accepted).toEqual([shouty]);
    await stack.idle();
    expect(events.length).toBe(before + 1);
    const record = events.at(-1)?.Records[0];
    expect(record?.eventSource).toBe('aws:ses');
    expect(record?.eventVersion).toBe('1.0');
    const mail = record?.ses.mail;
    const receipt = record?.ses.receipt;
    expect(mail?.messageId).toMatch(/^[a-z0-9]{40}$/);
    expect(mail?.source).toBe('hbzxqy@example.cn');
    expect(mail?.destination).toEqual([shouty]);
    expect(mail?.commonHeaders.subject).toBe('第1期报名材料（河北省）');
    expect(mail?.commonHeaders.messageId).toBe('<abc-123@example.cn>');
    expect(mail?.commonHeaders.from?.[0]).toContain('hbzxqy@example.cn');
    expect(mail?.commonHeaders.to).toEqual([shouty]);
    expect(mail?.commonHeaders.cc).toEqual(['someone@example.cn']);
    expect(mail?.headers.find((h) => h.name === 'Message-ID')?.value).toBe('<abc-123@example.cn>');
    expect(receipt?.recipients).toEqual([shouty]);
    expect(receipt?.spamVerdict.status).toBe('PASS');
    expect(receipt?.dkimVerdict.status).toBe('PASS');
    expect(receipt?.action.type).toBe('Lambda');
    expect(Date.parse(mail?.timestamp ?? '')).toBeGreaterThan(Date.now() - 60_000);

    const s3 = s3Client(stack.config);
    const key = rawMailKey(mail?.messageId ?? '');
    expect(key.startsWith(RAW_MAIL_PREFIX)).toBe(true);
    const listed = await s3.send(
      new ListObjectsV2Command({ Bucket: stack.config.bucketName, Prefix: 'inbound/' }),
    );
    expect(listed.Contents?.map((o) => o.Key)).toContain(key);
    const object = await s3.send(new GetObjectCommand({ Bucket: stack.config.bucketName, Key: key }));
    const raw = Buffer.from(await object.Body!.transformToByteArray()).toString('utf8');
    expect(raw).toContain('Message-ID: <abc-123@example.cn>');
    expect(raw).toContain('Content-Disposition: attachment');
    expect(raw).toContain(Buffer.from('not really a workbook').toString('base64'));
    s3.destroy();
  });

  it('refuses other recipients with 550 and stores nothing for them', async () => {
    const before = events.length;
    const error = await transport()
      .sendMail({ from: 'a@example.cn', to: 'someone-else@miitec.cn', subject: 'x', text: 'x' })
      .then(
        () => undefined,
        (e: { responseCode?: number; response?: string }) => e,
      );
    expect(error?.responseCode).toBe(550);
    // One good and one bad recipient: SES accepts the message for the mailbox only.
    const mixed = await transport().sendMail({
      from: 'a@example.cn',
      to: [program.mailbox, 'nobody@miitec.cn'],
      subject: 'mixed',
      text: 'x',
    });
    expect(mixed.accepted).toEqual([program.mailbox]);
    expect(mixed.rejected).toEqual(['nobody@miitec.cn']);
    await stack.idle();
    expect(events.length).toBe(before + 1);
    expect(events.at(-1)?.Records[0]?.ses.receipt.recipients).toEqual([program.mailbox]);
  });

  it('passes configured verdicts through to the receipt', async () => {
    await transport().sendMail({
      from: 'forger@example.cn',
      to: program.mailbox,
      subject: 'spam',
      text: 'x',
    });
    await stack.idle();
    const receipt = events.at(-1)?.Records[0]?.ses.receipt;
    expect(receipt?.spamVerdict.status).toBe('FAIL');
    expect(receipt?.spfVerdict.status).toBe('FAIL');
    expect(receipt?.virusVerdict.status).toBe('PASS');
    // The stored message carries the Authentication-Results header SES would add, saying the same.
    const headers = events.at(-1)?.Records[0]?.ses.mail.headers ?? [];
    expect(headers[0]?.name).toBe('Authentication-Results');
    expect(headers[0]?.value).toMatch(/^amazonses\.com; spf=fail .* dmarc=pass header\.from=example\.cn;$/);
  });

  it('writes every SES SendEmail to the outbox as .eml (raw bytes kept for Raw content)', async () => {
    const ses = sesClient(stack.config);
    const simple = await ses.send(
      new SendEmailCommand({
        FromEmailAddress: program.mailbox,
        Destination: { ToAddresses: ['hbzxqy@example.cn'] },
        Content: { Simple: { Subject: { Data: '报名结果' }, Body: { Text: { Data: '已收到 3 名学员。' } } } },
      }),
    );
    const rawMime = [
      `From: ${program.mailbox}`,
      'To: hbzxqy@example.cn',
      'Subject: Re: test',
      'In-Reply-To: <abc-123@example.cn>',
      'References: <abc-123@example.cn>',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'reply body',
      '',
    ].join('\r\n');
    const raw = await ses.send(
      new SendEmailCommand({ Content: { Raw: { Data: new TextEncoder().encode(rawMime) } } }),
    );
    ses.destroy();
    const files = await readdir(stack.outboxDir);
    expect(files).toContain(`${simple.MessageId}.eml`);
    expect(files).toContain(`${raw.MessageId}.eml`);
    const simpleEml = await readFile(join(stack.outboxDir, `${simple.MessageId}.eml`), 'utf8');
    expect(simpleEml).toMatch(/^To: hbzxqy@example\.cn/m);
    expect(simpleEml).toMatch(/^Subject: =\?UTF-8\?/m);
    expect(await readFile(join(stack.outboxDir, `${raw.MessageId}.eml`), 'utf8')).toBe(rawMime);
    // The viewer and its /store API are served through the same endpoint.
    const viewer = await fetch(stack.sesViewerUrl);
    expect(viewer.status).toBe(200);
    expect(await viewer.text()).toContain('<html');
    const store = (await (await fetch(new URL('/store', stack.sesViewerUrl))).json()) as {
      emails: { messageId: string }[];
    };
    expect(store.emails.map((e) => e.messageId)).toEqual(
      expect.arrayContaining([simple.MessageId, raw.MessageId]),
    );
  });

  it('creates the registry table and the verification table with their key designs', async () => {
    const client = dynamoDbClient(stack.config);
    const { Table } = await client.send(new DescribeTableCommand({ TableName: stack.config.tableName }));
    const { Table: verification } = await client.send(
      new DescribeTableCommand({ TableName: stack.config.verifyTableName }),
    );
    client.destroy();
    expect(Table?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName)).toEqual(['gsi1']);
    expect(stack.config.verifyTableName).toBe('lingjun-verification');
    expect(verification?.KeySchema).toEqual(Table?.KeySchema);
    // The public check reads one item by key: the verification table has no index.
    expect(verification?.GlobalSecondaryIndexes).toBeUndefined();
  });

  it('stop() kills DynamoDB Local, frees every port and removes the temp state', async () => {
    const pid = stack.dynamoPid;
    expect(alive(pid)).toBe(true);
    const ports = Object.values(stack.config.endpoints ?? {}).map((e) => Number(new URL(e).port));
    ports.push(stack.smtpPort);
    for (const port of ports) expect(await isPortFree(port)).toBe(false);
    await stack.stop();
    expect(alive(pid)).toBe(false);
    for (const port of ports) expect(await isPortFree(port)).toBe(true);
    await expect(stat(stack.stateDir)).rejects.toThrow();
    // How long the start took is printed above; a bound on it would fail on a busy machine, not on a bug.
    expect(startedIn).toBeGreaterThan(0);
  });
});
