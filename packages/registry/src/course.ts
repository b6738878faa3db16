import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '@lingjun/core';
import type { VerificationTable } from './certificate-codes.ts';
import { isConditionFailure, queryAll, wrapDynamoError } from './dynamo.ts';

/** One student's mark for one half-day, as read from a sign-in sheet. */
export type AttendanceMark = 'present' | 'late' | 'leave' | 'absent';

/** The latest sign-in sheet of a class for one half-day (a later sheet replaces it). */
export interface AttendanceSheet {
  classNo: number;
  /** Stable half-day key, e.g. '2025-06-24AM', or the column title when it names no date. */
  halfDay: string;
  /** Mark by person key; students not on the sheet are absent. */
  marks: Record<string, AttendanceMark>;
  /** Where the sheet came from (file name or message id). */
  source: string;
  updatedAt: string;
}

/** An issued certificate as stored. `name` and `enterprise` are personal: never log them. */
export interface CertificateRecord {
  number: string;
  year: number;
  classNo: number;
  seq: number;
  personKey: string;
  region: string;
  name: string;
  enterprise: string;
  start: string;
  end: string;
  location: string;
  status: 'valid' | 'revoked';
  issuedAt: string;
  revokedAt?: string;
  revokeReason?: string;
}

/** What the caller knows about a student when asking for their certificate. */
export type CertificateRequest = Omit<
  CertificateRecord,
  'number' | 'seq' | 'status' | 'issuedAt' | 'revokedAt' | 'revokeReason'
>;

/** One evaluation form (培训效果评价表) as stored: scores 1–5 by item, and a comment. */
export interface EvaluationRecord {
  classNo: number;
  /** Content hash of the form's answers plus its source, so importing the same file twice counts once. */
  id: string;
  scores: Record<string, number>;
  comment?: string;
  source: string;
  receivedAt: string;
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/** Course-end item keys; kept apart from keys.ts, which intake owns. */
export const courseKeys = {
  attendancePk: (year: number, classNo: number) => `Y#${year}#ATT#C#${pad2(classNo)}`,
  certClassPk: (year: number, classNo: number) => `Y#${year}#CERT#C#${pad2(classNo)}`,
  certNumber: (number: string) => ({ pk: `CERT#${number}`, sk: '-' }),
  sentPk: (year: number, classNo: number) => `Y#${year}#SENT#C#${pad2(classNo)}`,
  evaluationPk: (year: number, classNo: number) => `Y#${year}#EVAL#C#${pad2(classNo)}`,
};

/** Certificate number: year-class-sequence, e.g. 2025-01-007. */
export function certificateNumber(year: number, classNo: number, seq: number): string {
  return `${year}-${pad2(classNo)}-${String(seq).padStart(3, '0')}`;
}

/**
 * DynamoDB access for the course end: attendance sheets, certificates (numbered once per student),
 * send-once markers and evaluations, in the registry's table. A revocation also reaches the verification
 * table, in the same transaction, so the public check never says valid for a revoked certificate.
 */
export class CourseRegistry {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    readonly year: number,
    private readonly verification: VerificationTable,
  ) {}

  // ---- attendance --------------------------------------------------------------------------------

  /** Stores a class's sheet for one half-day, replacing any earlier sheet for it. */
  async putAttendance(sheet: AttendanceSheet): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: courseKeys.attendancePk(this.year, sheet.classNo), sk: `HD#${sheet.halfDay}`, ...sheet },
      }),
    );
  }

  /** Every half-day sheet of a class, in half-day order. */
  async listAttendance(classNo: number): Promise<AttendanceSheet[]> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :s)',
      ExpressionAttributeValues: { ':pk': courseKeys.attendancePk(this.year, classNo), ':s': 'HD#' },
      ConsistentRead: true,
    });
    return items.map((i) => strip<AttendanceSheet>(i));
  }

  // ---- certificates ------------------------------------------------------------------------------

  /** The certificate a student already holds for a class, if any. */
  async certificateOf(classNo: number, personKey: string): Promise<CertificateRecord | undefined> {
    const res = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: courseKeys.certClassPk(this.year, classNo), sk: `P#${personKey}` },
        ConsistentRead: true,
      }),
    );
    return res.Item ? strip<CertificateRecord>(res.Item) : undefined;
  }

  /**
   * Issues a student's certificate once: an existing one is returned unchanged, otherwise the class's
   * sequence is advanced and the person item and number item are written together, the person item only
   * if absent, so two concurrent runs cannot give one student two numbers (the loser leaves a gap).
   */
  async issue(req: CertificateRequest, now: Date): Promise<{ record: CertificateRecord; created: boolean }> {
    const existing = await this.certificateOf(req.classNo, req.personKey);
    if (existing) return { record: existing, created: false };
    const counter = await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: courseKeys.certClassPk(this.year, req.classNo), sk: 'SEQ' },
        UpdateExpression: 'ADD used :one',
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const seq = Number(counter.Attributes?.used);
    const record: CertificateRecord = {
      ...req,
      year: this.year,
      number: certificateNumber(this.year, req.classNo, seq),
      seq,
      status: 'valid',
      issuedAt: now.toISOString(),
    };
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.table,
                Item: {
                  pk: courseKeys.certClassPk(this.year, req.classNo),
                  sk: `P#${req.personKey}`,
                  ...record,
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Put: {
                TableName: this.table,
                Item: { ...courseKeys.certNumber(record.number), ...record },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ],
        }),
      );
      return { record, created: true };
    } catch (err) {
      if ((err as Error).name === 'TransactionCanceledException') {
        const winner = await this.certificateOf(req.classNo, req.personKey);
        if (winner) return { record: winner, created: false };
        throw new ConflictError(`certificate ${record.number} could not be written`, { cause: err });
      }
      throw wrapDynamoError(err, 'issue certificate');
    }
  }

  /** Certificates of a class, in number order. */
  async listCertificates(classNo: number): Promise<CertificateRecord[]> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :s)',
      ExpressionAttributeValues: { ':pk': courseKeys.certClassPk(this.year, classNo), ':s': 'P#' },
      ConsistentRead: true,
    });
    return items.map((i) => strip<CertificateRecord>(i)).sort((a, b) => a.seq - b.seq);
  }

  /** Looks a certificate up by its number (any year). */
  async certificateByNumber(number: string): Promise<CertificateRecord | undefined> {
    const res = await this.db.send(
      new GetCommand({ TableName: this.table, Key: courseKeys.certNumber(number), ConsistentRead: true }),
    );
    return res.Item ? strip<CertificateRecord>(res.Item) : undefined;
  }

  /**
   * Marks a certificate revoked on both its registry items and its verification item, in one transaction;
   * false when no such certificate exists.
   */
  async revoke(number: string, reason: string, now: Date): Promise<boolean> {
    const cert = await this.certificateByNumber(number);
    if (!cert) return false;
    const update = {
      UpdateExpression: 'SET #s = :r, revokedAt = :t, revokeReason = :why',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':r': 'revoked', ':t': now.toISOString(), ':why': reason },
    };
    await this.db.send(
      new TransactWriteCommand({
        TransactItems: [
          { Update: { TableName: this.table, Key: courseKeys.certNumber(number), ...update } },
          {
            Update: {
              TableName: this.table,
              Key: { pk: `Y#${cert.year}#CERT#C#${pad2(cert.classNo)}`, sk: `P#${cert.personKey}` },
              ...update,
            },
          },
          this.verification.revocation(number, now.toISOString()),
        ],
      }),
    );
    return true;
  }

  // ---- send-once markers -------------------------------------------------------------------------

  /** Writes a marker for a class once; false when it already existed, so the caller sends nothing. */
  async markOnce(classNo: number, what: string, now: Date): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: courseKeys.sentPk(this.year, classNo), sk: what, at: now.toISOString() },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw wrapDynamoError(err, 'mark once');
    }
  }

  /** Removes a marker again, when the send it guarded failed and must be retried. */
  async unmark(classNo: number, what: string): Promise<void> {
    await this.db.send(
      new DeleteCommand({
        TableName: this.table,
        Key: { pk: courseKeys.sentPk(this.year, classNo), sk: what },
      }),
    );
  }

  // ---- evaluations -------------------------------------------------------------------------------

  /** Stores an evaluation form; the same form stored twice is one item. */
  async putEvaluation(e: EvaluationRecord): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: courseKeys.evaluationPk(this.year, e.classNo), sk: `E#${e.id}`, ...e },
      }),
    );
  }

  /** Every evaluation form of a class. */
  async listEvaluations(classNo: number): Promise<EvaluationRecord[]> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :s)',
      ExpressionAttributeValues: { ':pk': courseKeys.evaluationPk(this.year, classNo), ':s': 'E#' },
      ConsistentRead: true,
    });
    return items.map((i) => strip<EvaluationRecord>(i));
  }
}

function strip<T>(item: Record<string, unknown>): T {
  const { pk: _pk, sk: _sk, ...rest } = item;
  return rest as T;
}
