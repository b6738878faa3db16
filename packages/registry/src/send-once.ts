import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { isConditionFailure, wrapDynamoError } from './dynamo.ts';

/** What a claim on a send-once record found. */
export type SendClaim = 'claimed' | 'sent' | 'busy';

/**
 * Send-once records for scheduled mail (reminders, digests, reports), in the registry's table. A mail is
 * claimed with a lease before it is sent and marked sent afterwards: a schedule that fires twice finds the
 * claim (busy) or the mark (sent) and sends nothing, while a run that crashed between claim and send is
 * taken over by the retry once its lease has expired, so a failure does not lose the mail either.
 */
export class SendOnce {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** Claims (pk, sk) for sending until now + leaseMs; says why not when it cannot. */
  async claim(
    pk: string,
    sk: string,
    attributes: Record<string, unknown>,
    now: Date,
    leaseMs: number,
  ): Promise<SendClaim> {
    try {
      await this.db.send(
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
        }),
      );
      return 'claimed';
    } catch (err) {
      if (!isConditionFailure(err)) throw wrapDynamoError(err, 'send-once');
      return (await this.isSent(pk, sk)) ? 'sent' : 'busy';
    }
  }

  /** Marks a claimed record as sent, with the provider's message id. */
  async markSent(pk: string, sk: string, sentId: string, now: Date): Promise<void> {
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
  async release(pk: string, sk: string): Promise<void> {
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
