import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { queryAll, wrapDynamoError } from './dynamo.ts';

/** What a sent mail answered: the region it went to, what kind of mail, and its send-once record. */
export interface SentMailRef {
  region: string;
  kind: string;
  /** The send-once record (pk, sk) the mail was sent under. */
  pk: string;
  sk: string;
  /** Who the mail went to (personal: never log); a bounce that arrives as mail is matched against it. */
  to?: string[];
}

/** A bounce or complaint recorded against a region's address. `address` is personal: never log it. */
export interface BounceRecord {
  region: string;
  address: string;
  kind: 'bounce' | 'complaint';
  /** The SES message id of the mail that bounced. */
  messageId: string;
  at: string;
}

const keys = {
  sent: (messageId: string) => ({ pk: `SENTMSG#${messageId}`, sk: '-' }),
  bouncePk: (year: number) => `Y#${year}#BOUNCE`,
};

/**
 * Bounces and complaints of outbound mail, by region. SES reports a bounce by the message id SendEmail
 * returned, so each sent mail is remembered under that id with the region it was for; a bounce is then
 * recorded against the region and address, once however often SES repeats it.
 */
export class Bounces {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly year: number,
  ) {}

  /** Remembers what the mail SES accepted as `messageId` answered. */
  async remember(messageId: string, ref: SentMailRef, now: Date): Promise<void> {
    try {
      await this.db.send(new PutCommand(this.rememberAction(messageId, ref, now).Put));
    } catch (err) {
      throw wrapDynamoError(err, 'remember sent mail');
    }
  }

  /** The write of `remember` as a transaction action, for a record written with it. */
  rememberAction(messageId: string, ref: SentMailRef, now: Date) {
    return {
      Put: {
        TableName: this.table,
        // The send-once keys are stored under names of their own: pk and sk are this item's.
        Item: {
          ...keys.sent(messageId),
          region: ref.region,
          kind: ref.kind,
          answersPk: ref.pk,
          answersSk: ref.sk,
          ...(ref.to ? { to: ref.to.map((a) => a.toLowerCase()) } : {}),
          year: this.year,
          sentAt: now.toISOString(),
        },
      },
    };
  }

  /** What the mail with this SES message id answered, if it was remembered. */
  async answered(messageId: string): Promise<SentMailRef | undefined> {
    try {
      const res = await this.db.send(
        new GetCommand({ TableName: this.table, Key: keys.sent(messageId), ConsistentRead: true }),
      );
      if (!res.Item) return undefined;
      const { region, kind, answersPk, answersSk, to } = res.Item as Record<string, unknown>;
      return {
        region: String(region),
        kind: String(kind),
        pk: String(answersPk),
        sk: String(answersSk),
        ...(Array.isArray(to) ? { to: to.map(String) } : {}),
      };
    } catch (err) {
      throw wrapDynamoError(err, 'look up sent mail');
    }
  }

  /** Records a bounce or complaint; recording the same address and message again changes nothing. */
  async record(bounce: BounceRecord): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: keys.bouncePk(this.year),
            sk: `R#${bounce.region}#${bounce.address.toLowerCase()}`,
            ...bounce,
            address: bounce.address.toLowerCase(),
          },
        }),
      );
    } catch (err) {
      throw wrapDynamoError(err, 'record bounce');
    }
  }

  /** Every bounce and complaint of the year, by region then address. */
  async list(): Promise<BounceRecord[]> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.bouncePk(this.year) },
      ConsistentRead: true,
    });
    return items.map(({ region, address, kind, messageId, at }) => ({
      region,
      address,
      kind,
      messageId,
      at,
    })) as BounceRecord[];
  }
}
