import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type CertificateRecord, courseKeys } from './course.ts';
import { isConditionFailure, wrapDynamoError } from './dynamo.ts';

/** A certificate as the public check sees it: the stored record and the keyed hash of its code. */
export interface CertificateForCheck {
  record: CertificateRecord;
  /** Absent on certificates issued before codes were hashed, until course-end runs for their class again. */
  codeHash?: string;
}

/**
 * The verification-code hashes on certificate items (`CERT#<number>`). Course-end stores one per certificate;
 * the public verify function reads them by number with one GetItem, so it needs neither the signing secret
 * nor any other item of the table.
 */
export class CertificateCodes {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** Records the hash of a certificate's code; false when no certificate has that number. */
  async store(number: string, codeHash: string): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: courseKeys.certNumber(number),
          UpdateExpression: 'SET codeHash = :h',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':h': codeHash },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw wrapDynamoError(err, 'store certificate code hash');
    }
  }

  /** The certificate with this number and its code hash, or undefined. */
  async lookup(number: string): Promise<CertificateForCheck | undefined> {
    try {
      const res = await this.db.send(
        new GetCommand({ TableName: this.table, Key: courseKeys.certNumber(number), ConsistentRead: true }),
      );
      if (!res.Item) return undefined;
      const { pk: _pk, sk: _sk, codeHash, ...record } = res.Item;
      return {
        record: record as CertificateRecord,
        ...(typeof codeHash === 'string' ? { codeHash } : {}),
      };
    } catch (err) {
      throw wrapDynamoError(err, 'look up certificate');
    }
  }
}
