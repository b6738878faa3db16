import { createHash } from 'node:crypto';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { log, MailRefusedError, SEND_TAG } from '@lingjun/core';
import { isConditionFailure, wrapDynamoError } from './dynamo.ts';
import { SendEvidence } from './send-evidence.ts';

/** What sending once did: sent now (with the provider's id), found sent before, or left to the run holding it. */
export type SendOnceResult = { state: 'sent'; id: string } | { state: 'already-sent' } | { state: 'busy' };

/**
 * The `SEND_TAG` value of a send-once mail: the same for every run that sends it, so SES's Send event of any
 * of them answers a later run's "did it leave?". A hash, because SES tags allow letters, digits, `_` and `-`.
 */
export function sendOnceTag(pk: string, sk: string): string {
  return `once-${createHash('sha256').update(`${pk}\n${sk}`).digest('hex').slice(0, 40)}`;
}

/**
 * Send-once records for scheduled mail (reminders, digests, reports), in the registry's table. A mail is
 * claimed with a lease before it is sent and marked sent afterwards: a schedule that fires twice finds the
 * claim (busy) or the mark (sent) and sends nothing, while a run that crashed between claim and send is
 * taken over by the retry once its lease has expired, so a failure does not lose the mail either.
 */
export class SendOnce {
  private readonly evidence: SendEvidence;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {
    this.evidence = new SendEvidence(db, table);
  }

  /**
   * Sends the mail of (pk, sk) once: claims it, sends it tagged `sendOnceTag`, marks it sent. `send` runs
   * only on a claim, so what it composes is composed once too. A claim taken over from a run that stopped
   * after the send asks SES's evidence first and, finding it, marks the record sent instead of sending again
   * (evidence normally arrives within seconds; a lease shorter than its way here can still resend). A refusal
   * (the mail did not leave) gives the claim up so the retry sends at once; a mark that fails after the mail
   * left is tried once more before the run fails, since the retry would otherwise send it again.
   */
  async send(
    key: { pk: string; sk: string },
    attributes: Record<string, unknown>,
    at: { now: Date; leaseMs: number },
    send: (tags: Record<string, string>) => Promise<string>,
  ): Promise<SendOnceResult> {
    const { pk, sk } = key;
    const claim = await this.claim(pk, sk, attributes, at.now, at.leaseMs);
    if (claim.state !== 'claimed') return { state: claim.state === 'sent' ? 'already-sent' : 'busy' };
    const tag = sendOnceTag(pk, sk);
    if (claim.tookOver) {
      const evidence = await this.evidence.find(tag);
      if (evidence) {
        log.info('send-once mail had left before its run stopped', { sk, mailerId: evidence.mailerId });
        await this.markSent(pk, sk, evidence.mailerId, at.now);
        return { state: 'already-sent' };
      }
    }
    let id: string;
    try {
      id = await send({ [SEND_TAG]: tag });
    } catch (error) {
      if (error instanceof MailRefusedError) await this.release(pk, sk);
      throw error;
    }
    try {
      await this.markSent(pk, sk, id, new Date());
    } catch (error) {
      log.warn('send-once mail sent but not marked, marking again', { sk, error: String(error) });
      await this.markSent(pk, sk, id, new Date());
    }
    return { state: 'sent', id };
  }

  /**
   * Claims (pk, sk) for sending until now + leaseMs, saying whether it took over a claim whose lease had run
   * out (that run may have sent), or why it could not.
   */
  private async claim(
    pk: string,
    sk: string,
    attributes: Record<string, unknown>,
    now: Date,
    leaseMs: number,
  ): Promise<{ state: 'claimed'; tookOver: boolean } | { state: 'sent' | 'busy' }> {
    try {
      const res = await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk,
            sk,
            ...attributes,
            state: 'claimed',
            leaseUntil: now.getTime() + leaseMs,
            claimedAt: now.toISOString(),
          },
          ConditionExpression: 'attribute_not_exists(pk) OR (#state = :claimed AND leaseUntil < :now)',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':claimed': 'claimed', ':now': now.getTime() },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return { state: 'claimed', tookOver: res.Attributes !== undefined };
    } catch (err) {
      if (!isConditionFailure(err)) throw wrapDynamoError(err, 'send-once');
      return { state: (await this.isSent(pk, sk)) ? 'sent' : 'busy' };
    }
  }

  /** Marks a claimed record as sent, with the provider's message id. */
  private async markSent(pk: string, sk: string, sentId: string, now: Date): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk, sk },
        UpdateExpression: 'SET #state = :sent, sentId = :id, sentAt = :t REMOVE leaseUntil',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':sent': 'sent', ':id': sentId, ':t': now.toISOString() },
      }),
    );
  }

  /**
   * Gives a claim up: the mail service refused the mail, so it did not leave and the next run may claim and
   * send it at once instead of waiting out the lease. A record already marked sent is left as it is.
   */
  private async release(pk: string, sk: string): Promise<void> {
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { pk, sk },
          ConditionExpression: '#state = :claimed',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':claimed': 'claimed' },
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw wrapDynamoError(err, 'send-once release');
    }
  }

  /** True when (pk, sk) was sent. */
  async isSent(pk: string, sk: string): Promise<boolean> {
    const res = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { pk, sk }, ConsistentRead: true }),
    );
    return res.Item?.state === 'sent';
  }
}
