import type { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '@lingjun/core';
import {
  PROGRAM_SCHEMA_VERSION,
  type ProgramVersions,
  type PublishedProgram,
  storedProgram,
} from '@lingjun/program';
import { wrapDynamoError } from './dynamo.ts';
import { keys } from './keys.ts';

/**
 * Published program versions in the registry's table: one item per version (the program as JSON, who, when,
 * what changed) and a CURRENT pointer that names the newest and carries a copy of it, so a cold function
 * loads the program with one read. Publishing writes both in one transaction conditioned on the pointer still
 * naming the version the publisher read, so two publishers cannot both win.
 */
export class DynamoProgramVersions implements ProgramVersions {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** The CURRENT pointer's version number (a small, strongly consistent read). */
  async currentVersion(): Promise<number | undefined> {
    try {
      const res = await this.db.send(
        new GetCommand({
          TableName: this.table,
          Key: keys.programCurrent(),
          ProjectionExpression: 'version',
          ConsistentRead: true,
        }),
      );
      return res.Item ? Number(res.Item.version) : undefined;
    } catch (err) {
      throw wrapDynamoError(err, 'program version');
    }
  }

  /**
   * The current version in one read of the pointer, which carries the program; a pointer written before it
   * did (version number only) is followed to its version item.
   */
  async current(): Promise<PublishedProgram | undefined> {
    let item: Record<string, unknown> | undefined;
    try {
      const res = await this.db.send(
        new GetCommand({ TableName: this.table, Key: keys.programCurrent(), ConsistentRead: true }),
      );
      item = res.Item;
    } catch (err) {
      throw wrapDynamoError(err, 'program current');
    }
    if (!item) return undefined;
    const version = Number(item.version);
    return item.program === undefined ? this.get(version) : published(version, item);
  }

  /** One published version. */
  async get(version: number): Promise<PublishedProgram | undefined> {
    try {
      const res = await this.db.send(
        new GetCommand({ TableName: this.table, Key: keys.programVersion(version), ConsistentRead: true }),
      );
      return res.Item ? published(version, res.Item) : undefined;
    } catch (err) {
      throw wrapDynamoError(err, 'program get');
    }
  }

  /** Writes version after+1 and moves the pointer, only if the pointer still names `after`. */
  async publish(input: {
    after: number;
    program: PublishedProgram['program'];
    publishedBy: string;
    changes: string[];
    now: Date;
  }): Promise<PublishedProgram> {
    const version = input.after + 1;
    const result: PublishedProgram = {
      version,
      program: input.program,
      publishedBy: input.publishedBy,
      publishedAt: input.now.toISOString(),
      changes: input.changes,
    };
    const body = {
      program: JSON.stringify(input.program),
      // Read back without validating again while the schema stays this version (storedProgram).
      schema: PROGRAM_SCHEMA_VERSION,
      publishedBy: result.publishedBy,
      publishedAt: result.publishedAt,
      changes: result.changes,
    };
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.table,
                Item: { ...keys.programVersion(version), type: 'program', ...body },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Put: {
                TableName: this.table,
                // The pointer carries the version it names, so loading the program is one read.
                Item: { ...keys.programCurrent(), type: 'program-current', version, ...body },
                ConditionExpression:
                  input.after === 0
                    ? 'attribute_not_exists(pk)'
                    : 'attribute_exists(pk) AND version = :after',
                ...(input.after === 0 ? {} : { ExpressionAttributeValues: { ':after': input.after } }),
              },
            },
          ],
        }),
      );
      return result;
    } catch (err) {
      const reasons = (err as TransactionCanceledException).CancellationReasons ?? [];
      if (reasons.some((r) => r.Code === 'ConditionalCheckFailed'))
        throw new ConflictError(`程序已被他人更新（版本 ${input.after} 已不是最新），请重试`, { cause: err });
      throw wrapDynamoError(err, 'program publish');
    }
  }
}

/** A stored version (its item, or the pointer's copy); validated again if stored under an older schema. */
async function published(version: number, item: Record<string, unknown>): Promise<PublishedProgram> {
  return {
    version,
    program: await storedProgram(String(item.program), item.schema, `程序版本 ${version}`),
    publishedBy: String(item.publishedBy),
    publishedAt: String(item.publishedAt),
    changes: (item.changes as string[] | undefined) ?? [],
  };
}
