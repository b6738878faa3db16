import { createHash } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { maskName } from '@lingjun/core';
import type { CertificateRecord } from './course.ts';
import { isConditionFailure, wrapDynamoError } from './dynamo.ts';
import { createKeyedTableInput, TABLE_KEYS } from './table.ts';

/**
 * A certificate as the public check sees it, and all the verification table holds of it: no ID number, no
 * enterprise, no region, and the holder's name only masked.
 */
export interface VerificationRecord
  extends Pick<
    CertificateRecord,
    'number' | 'name' | 'classNo' | 'start' | 'end' | 'location' | 'status' | 'issuedAt' | 'revokedAt'
  > {
  /** Keyed hash of the verification code (see @lingjun/certificates code.ts); the code itself is never stored. */
  codeHash: string;
  /** The holder's name, masked (张*丰). */
  name: string;
}

/**
 * Keys of the verification table. The prefixes are what the public function's IAM policy names in its
 * `dynamodb:LeadingKeys` condition: certificates to read, rate-limit counters to read and count.
 */
export const verificationKeys = {
  certificate: (number: string) => ({ pk: `CERT#${number}`, sk: '-' }),
  rate: (source: string, minute: number) => ({ pk: `RL#${source}`, sk: String(minute) }),
};

/**
 * The CreateTable input of the verification table for the local stack (AWS gets the same keys from CDK):
 * the registry's key names, no index, because the public function only ever reads one item by its key.
 */
export const createVerificationTableInput = createKeyedTableInput;

/** The verification fields a published certificate carries, as an update of names and values. */
function publishedFields(record: CertificateRecord, codeHash: string): Record<string, string | number> {
  return {
    number: record.number,
    codeHash,
    name: maskName(record.name),
    classNo: record.classNo,
    start: record.start,
    end: record.end,
    location: record.location,
    issuedAt: record.issuedAt,
  };
}

/**
 * The verification table: what the public check may read (a certificate's number, code hash, masked name,
 * class and status) and its per-address rate-limit counters, apart from the registry so that the table the
 * public function reads holds no personal data and needs no customer key (it is encrypted with an AWS-owned
 * key). Course-end publishes each certificate here; a revocation updates it in the registry's transaction
 * (CourseRegistry.revoke, through `revocation`); the verify function only reads and counts.
 */
export class VerificationTable {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /**
   * Publishes a certificate for the public check, as the registry holds it. Safe to repeat and to race a
   * revocation: status only ever moves from valid to revoked, so a valid record never overwrites a revoked
   * item, and a revoked record marks the item revoked even if the revocation's own write never reached it.
   */
  async publish(record: CertificateRecord, codeHash: string): Promise<void> {
    const names: Record<string, string> = { '#status': 'status' };
    const values: Record<string, string | number> = {};
    const sets: string[] = [];
    Object.entries(publishedFields(record, codeHash)).forEach(([field, value], i) => {
      names[`#f${i}`] = field;
      values[`:f${i}`] = value;
      sets.push(`#f${i} = :f${i}`);
    });
    if (record.status === 'revoked') {
      sets.push('#status = :revoked');
      values[':revoked'] = 'revoked';
      if (record.revokedAt) {
        sets.push('revokedAt = if_not_exists(revokedAt, :revokedAt)');
        values[':revokedAt'] = record.revokedAt;
      }
    } else {
      sets.push('#status = if_not_exists(#status, :valid)');
      values[':valid'] = 'valid';
    }
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: verificationKeys.certificate(record.number),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (err) {
      throw wrapDynamoError(err, 'publish certificate for verification');
    }
  }

  /**
   * The transaction item that marks a certificate revoked here, for the registry to write with its own
   * items. Unconditional: a certificate issued before this table existed may not be published yet, and its
   * revocation must not fail for that; `publish` completes such an item later, keeping it revoked.
   */
  revocation(number: string, revokedAt: string) {
    return {
      Update: {
        TableName: this.table,
        Key: verificationKeys.certificate(number),
        UpdateExpression: 'SET #status = :revoked, revokedAt = :at',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':revoked': 'revoked', ':at': revokedAt },
      },
    };
  }

  /** The published certificate with this number, or undefined (an item a revocation left unpublished too). */
  async lookup(number: string): Promise<VerificationRecord | undefined> {
    try {
      const res = await this.db.send(
        new GetCommand({
          TableName: this.table,
          Key: verificationKeys.certificate(number),
          ConsistentRead: true,
        }),
      );
      if (typeof res.Item?.codeHash !== 'string') return undefined;
      const { pk: _pk, sk: _sk, ...record } = res.Item;
      return record as VerificationRecord;
    } catch (err) {
      throw wrapDynamoError(err, 'look up certificate');
    }
  }

  /**
   * Counts one request from a source in the current minute; false once `limit` requests were counted.
   * The source is stored hashed (an IP address is personal data) and the item expires by TTL.
   */
  async hit(source: string, now: Date, limit: number): Promise<boolean> {
    const minute = Math.floor(now.getTime() / 60_000);
    const hashed = createHash('sha256').update(source).digest('hex').slice(0, 24);
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: verificationKeys.rate(hashed, minute),
          UpdateExpression: `ADD n :one SET ${TABLE_KEYS.ttlAttribute} = :exp`,
          ConditionExpression: 'attribute_not_exists(n) OR n < :limit',
          ExpressionAttributeValues: { ':one': 1, ':limit': limit, ':exp': (minute + 2) * 60 },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw wrapDynamoError(err, 'rate limit');
    }
  }
}
