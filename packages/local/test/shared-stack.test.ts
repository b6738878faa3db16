import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { isolatedTable, localAws, localClients, localStackInfo } from '../../../test/setup/aws.ts';
import { ensureTables } from '../src/dynamodb.ts';

// Runs against the one stack the vitest globalSetup starts; skipped when the run has none.
describe.skipIf(process.env.LINGJUN_NO_STACK === '1')('shared stack from globalSetup', () => {
  it('provides a working DynamoDB table, S3 bucket and SES outbox', async () => {
    const config = await isolatedTable('shared');
    const { ddb, s3, ses } = localClients(config);
    await ddb.send(new PutCommand({ TableName: config.tableName, Item: { pk: 'P', sk: 'S', v: 42 } }));
    const got = await ddb.send(new GetCommand({ TableName: config.tableName, Key: { pk: 'P', sk: 'S' } }));
    expect(got.Item?.v).toBe(42);
    await expect(s3.send(new HeadBucketCommand({ Bucket: config.bucketName }))).resolves.toBeDefined();
    const info = localStackInfo();
    const sent = await ses.send(
      new SendEmailCommand({
        FromEmailAddress: info.mailbox,
        Destination: { ToAddresses: ['x@example.cn'] },
        Content: { Simple: { Subject: { Data: 'shared' }, Body: { Text: { Data: 'body' } } } },
      }),
    );
    const eml = await readFile(join(info.outboxDir, `${sent.MessageId}.eml`), 'utf8');
    expect(eml).toContain('Subject: shared');
    for (const c of [ddb, s3, ses]) c.destroy();
  });

  it('adds the verification table to a state that has only the registry table, once', async () => {
    // A state folder from before the verification table existed holds the registry table alone.
    const registryOnly = await isolatedTable('upgrade');
    const config = { ...registryOnly, verifyTableName: `upgrade-verification-${randomUUID()}` };
    expect(await ensureTables(config)).toEqual([config.verifyTableName]);
    expect(await ensureTables(config)).toEqual([]);
    const fresh = {
      ...localAws(),
      tableName: `fresh-${randomUUID()}`,
      verifyTableName: `fresh-v-${randomUUID()}`,
    };
    expect(await ensureTables(fresh)).toEqual([fresh.tableName, fresh.verifyTableName]);
  });
});
