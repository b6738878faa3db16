import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { wrapDynamoError } from './dynamo.ts';
import { keys } from './keys.ts';

/** What the mail service reported about a mail that left: its id there and when it took the mail. */
export interface SentEvidence {
  mailerId: string;
  at: string;
}

/**
 * The mail service's own word that a mail left: SES's Send event for a mail tagged `SEND_TAG`, recorded by
 * the bounces function under the tag's value. A run that finds a send it started but never noted asks here
 * before sending again.
 */
export class SendEvidence {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** Records that the mail tagged `tag` left; SES repeating its event changes nothing. */
  async record(tag: string, evidence: SentEvidence): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({ TableName: this.table, Item: { ...keys.sendEvidence(tag), ...evidence } }),
      );
    } catch (err) {
      throw wrapDynamoError(err, 'record send evidence');
    }
  }

  /** The evidence that the mail tagged `tag` left, if the mail service has reported it. */
  async find(tag: string): Promise<SentEvidence | undefined> {
    try {
      const res = await this.db.send(
        new GetCommand({ TableName: this.table, Key: keys.sendEvidence(tag), ConsistentRead: true }),
      );
      if (!res.Item) return undefined;
      return { mailerId: String(res.Item.mailerId), at: String(res.Item.at) };
    } catch (err) {
      throw wrapDynamoError(err, 'look up send evidence');
    }
  }
}
