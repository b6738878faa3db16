import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { queryAll } from './dynamo.ts';
import { keys } from './keys.ts';
import { type TransactItems, transact } from './transact.ts';

/** The region directory: each region's contacts, the sender index, and what each region has submitted. */
export class RegionDirectory {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    readonly year: number,
  ) {}

  /** Adds one address to a region's contacts (a sender the bureau approved). */
  async addContact(region: string, email: string, messageId: string, now: Date): Promise<void> {
    const current = await this.getContacts(region);
    if (current.includes(email.toLowerCase())) return;
    await this.setContacts(region, [...current, email], messageId, now);
  }

  /** The contacts a region named in its latest 附件3. */
  async getContacts(region: string): Promise<string[]> {
    const res = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: keys.regionInfo(this.year, region, 'CONTACTS'),
        ConsistentRead: true,
      }),
    );
    return (res.Item?.emails as string[] | undefined) ?? [];
  }

  /** The region a sender address is registered for through a 附件3, if any. */
  async senderRegion(email: string): Promise<string | undefined> {
    const res = await this.db.send(
      new GetCommand({ TableName: this.table, Key: keys.sender(this.year, email), ConsistentRead: true }),
    );
    return res.Item?.region as string | undefined;
  }

  /** Replaces a region's contacts with those of its latest 附件3 and indexes each address. */
  async setContacts(region: string, emails: string[], messageId: string, now: Date): Promise<void> {
    const previous = await this.getContacts(region);
    // A 附件3 lists a handful of contacts; the transaction limit of 100 items is far away.
    await transact(this.db, this.contactsActions(region, emails, previous, messageId, now).slice(0, 100));
  }

  /**
   * The writes of `setContacts` as transaction actions, given the contacts on file (`previous`), for a
   * submission that writes them with its registrations.
   */
  contactsActions(
    region: string,
    emails: string[],
    previous: string[],
    messageId: string,
    now: Date,
  ): TransactItems {
    const unique = [...new Set(emails.map((e) => e.toLowerCase()))];
    return [
      {
        Put: {
          TableName: this.table,
          Item: {
            ...keys.regionInfo(this.year, region, 'CONTACTS'),
            emails: unique,
            messageId,
            updatedAt: now.toISOString(),
          },
        },
      },
      ...unique.map((e) => ({
        Put: { TableName: this.table, Item: { ...keys.sender(this.year, e), region, messageId } },
      })),
      ...previous
        .filter((e) => !unique.includes(e))
        .map((e) => ({
          Delete: {
            TableName: this.table,
            Key: keys.sender(this.year, e),
            ConditionExpression: '#r = :r',
            ExpressionAttributeNames: { '#r': 'region' },
            ExpressionAttributeValues: { ':r': region },
          },
        })),
    ];
  }

  /** Records that a region has submitted something (附件3, or a class's 附件4), for reminders and digests. */
  async markSubmitted(region: string, what: string, messageId: string, now: Date): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: keys.regionInfo(this.year, region, `SUB#${what}`),
        UpdateExpression: 'SET messageId = :m, updatedAt = :t, firstAt = if_not_exists(firstAt, :t)',
        ExpressionAttributeValues: { ':m': messageId, ':t': now.toISOString() },
      }),
    );
  }

  /** The write of `markSubmitted` as a transaction action. */
  markAction(region: string, what: string, messageId: string, now: Date): TransactItems[number] {
    return {
      Update: {
        TableName: this.table,
        Key: keys.regionInfo(this.year, region, `SUB#${what}`),
        UpdateExpression: 'SET messageId = :m, updatedAt = :t, firstAt = if_not_exists(firstAt, :t)',
        ExpressionAttributeValues: { ':m': messageId, ':t': now.toISOString() },
      },
    };
  }

  /** What a region has submitted: keys such as 'FORM3', 'C#01'. */
  async submitted(region: string): Promise<Set<string>> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :s)',
      ExpressionAttributeValues: { ':pk': keys.regionInfoPk(this.year, region), ':s': 'SUB#' },
      ConsistentRead: true,
    });
    return new Set(items.map((i) => String(i.sk).slice(4)));
  }
}
