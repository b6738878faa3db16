/** Helpers for tests that talk to the shared local stack started by test/setup/local-stack.ts. */
import { randomUUID } from 'node:crypto';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { type AwsConfig, documentClient, dynamoDbClient, s3Client, sesClient } from '@lingjun/aws';
import { createTableInput, createVerificationTableInput } from '@lingjun/registry';
import { inject } from 'vitest';
import type { ProvidedLocalStack } from './provided.ts';

/** The shared stack's config; throws if the run was started with LINGJUN_NO_STACK=1. */
export function localAws(): AwsConfig {
  const config = inject('aws');
  if (!config) {
    throw new Error('No local stack in this run (LINGJUN_NO_STACK=1?); this test needs DynamoDB/S3/SES.');
  }
  return config;
}

/** SMTP port, outbox folder and mailbox of the shared stack. */
export function localStackInfo(): ProvidedLocalStack {
  localAws();
  return inject('localStack');
}

/** SDK clients bound to the shared stack. */
export function localClients(config: AwsConfig = localAws()) {
  return {
    config,
    ddb: documentClient(config),
    dynamodb: dynamoDbClient(config),
    s3: s3Client(config),
    ses: sesClient(config),
  };
}

/**
 * A config pointing at a brand-new registry table and verification table (same key designs) in the shared
 * DynamoDB Local, so a test's items cannot collide with another file's running in parallel.
 */
export async function isolatedTable(prefix = 'test'): Promise<AwsConfig> {
  const base = localAws();
  const id = randomUUID();
  const config = { ...base, tableName: `${prefix}-${id}`, verifyTableName: `${prefix}-verification-${id}` };
  const client = dynamoDbClient(config);
  try {
    await client.send(new CreateTableCommand(createTableInput(config.tableName)));
    await client.send(new CreateTableCommand(createVerificationTableInput(config.verifyTableName)));
  } finally {
    client.destroy();
  }
  return config;
}
