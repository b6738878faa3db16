/**
 * The verification table (issue 19): what course-end publishes there for the public check, how a revocation
 * reaches it, and the rate-limit counters, against DynamoDB Local. The public function reads this table only.
 */
import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { type AwsConfig, courseRegistry, documentClient, verificationTable } from '@lingjun/aws';
import { type CertificateRequest, CourseRegistry, VerificationTable } from '@lingjun/registry';
import { beforeAll, describe, expect, it } from 'vitest';
import { isolatedTable } from '../setup/aws.ts';

let config: AwsConfig;

beforeAll(async () => {
  config = await isolatedTable('verification');
});

const ISSUED = new Date('2025-06-27T12:00:00Z');
const REVOKED = new Date('2025-07-02T03:00:00Z');

/** A student of class 1, with the personal data the registry holds and the verification table must not. */
function student(personKey: string, name = '欧阳明远'): CertificateRequest {
  return {
    year: 2025,
    classNo: 1,
    personKey,
    region: '130000',
    name,
    enterprise: '石家庄某某精密制造有限公司',
    start: '2025-06-24',
    end: '2025-06-27',
    location: '北京',
  };
}

async function scan(table: string): Promise<Record<string, unknown>[]> {
  const db = documentClient(config);
  return ((await db.send(new ScanCommand({ TableName: table, ConsistentRead: true }))).Items ?? []) as Record<
    string,
    unknown
  >[];
}

describe('the verification table', () => {
  it('holds what the page shows and nothing else: number, code hash, masked name, class, status, issue date', async () => {
    const { record } = await courseRegistry(config, 2025).issue(student('pk-publish'), ISSUED);
    await verificationTable(config).publish(record, 'a'.repeat(64));
    const item = (
      await documentClient(config).send(
        new GetCommand({ TableName: config.verifyTableName, Key: { pk: `CERT#${record.number}`, sk: '-' } }),
      )
    ).Item;
    expect(item).toEqual({
      pk: `CERT#${record.number}`,
      sk: '-',
      number: record.number,
      codeHash: 'a'.repeat(64),
      name: '欧**远',
      classNo: 1,
      start: '2025-06-24',
      end: '2025-06-27',
      location: '北京',
      status: 'valid',
      issuedAt: ISSUED.toISOString(),
    });
    // No personal data in the whole table; the registry keeps the full record under its own key.
    const everything = JSON.stringify(await scan(config.verifyTableName));
    for (const personal of ['欧阳明远', '石家庄某某精密制造有限公司', 'pk-publish', '130000'])
      expect(everything).not.toContain(personal);
    expect((await courseRegistry(config, 2025).certificateByNumber(record.number))?.name).toBe('欧阳明远');
    expect(await verificationTable(config).lookup(record.number)).toMatchObject({
      number: record.number,
      name: '欧**远',
      status: 'valid',
    });
  });

  it('is marked revoked in the same transaction as the registry, and a later publish keeps it revoked', async () => {
    const course = courseRegistry(config, 2025);
    const verification = verificationTable(config);
    const { record } = await course.issue(student('pk-revoke'), ISSUED);
    await verification.publish(record, 'b'.repeat(64));
    expect(await course.revoke(record.number, '考勤记录有误', REVOKED)).toBe(true);
    expect(await verification.lookup(record.number)).toMatchObject({
      status: 'revoked',
      revokedAt: REVOKED.toISOString(),
      codeHash: 'b'.repeat(64),
    });
    // Course-end publishing the record it read before the revocation must not make the certificate valid.
    await verification.publish(record, 'b'.repeat(64));
    expect((await verification.lookup(record.number))?.status).toBe('revoked');
    // The reason stays in the registry: the public table has no use for it.
    expect(JSON.stringify(await scan(config.verifyTableName))).not.toContain('考勤记录有误');
  });

  it('takes a revocation of a certificate never published, which answers as unknown until course-end publishes it revoked', async () => {
    const course = courseRegistry(config, 2025);
    const verification = verificationTable(config);
    const { record } = await course.issue(student('pk-early', '李四'), ISSUED);
    expect(await course.revoke(record.number, '重复颁发', REVOKED)).toBe(true);
    expect(await verification.lookup(record.number)).toBeUndefined();
    // The next course-end run publishes what the registry now holds.
    const now = await course.certificateByNumber(record.number);
    await verification.publish(now!, 'c'.repeat(64));
    expect(await verification.lookup(record.number)).toMatchObject({
      name: '李*',
      status: 'revoked',
      revokedAt: REVOKED.toISOString(),
    });
  });

  it('leaves the registry unrevoked when the verification item cannot be written (one transaction)', async () => {
    const db = documentClient(config);
    const { record } = await courseRegistry(config, 2025).issue(student('pk-atomic'), ISSUED);
    const broken = new CourseRegistry(
      db,
      config.tableName,
      2025,
      new VerificationTable(db, `${config.verifyTableName}-missing`),
    );
    await expect(broken.revoke(record.number, '测试', REVOKED)).rejects.toThrow();
    expect((await courseRegistry(config, 2025).certificateByNumber(record.number))?.status).toBe('valid');
    expect((await courseRegistry(config, 2025).certificateOf(1, 'pk-atomic'))?.status).toBe('valid');
  });

  it('counts requests per hashed address and minute in the verification table, not in the registry', async () => {
    const verification = verificationTable(config);
    const at = new Date('2025-07-01T08:00:30Z');
    const hits = [];
    for (let i = 0; i < 4; i++) hits.push(await verification.hit('192.0.2.44', at, 3));
    expect(hits).toEqual([true, true, true, false]);
    expect(await verification.hit('192.0.2.45', at, 3)).toBe(true);
    // The next minute starts a new count.
    expect(await verification.hit('192.0.2.44', new Date('2025-07-01T08:01:00Z'), 3)).toBe(true);
    const counters = (await scan(config.verifyTableName)).filter((i) => String(i.pk).startsWith('RL#'));
    expect(counters).toHaveLength(3);
    expect(JSON.stringify(counters)).not.toContain('192.0.2.');
    expect(counters.every((c) => typeof c.expiresAt === 'number')).toBe(true);
    expect((await scan(config.tableName)).filter((i) => String(i.pk).startsWith('RL#'))).toEqual([]);
  });
});
