import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AwsConfig } from './config.ts';

/** Low-level DynamoDB client for the configured region/endpoint (table admin, ListTables probes). */
export function dynamoDbClient(config: AwsConfig, overrides: { maxAttempts?: number } = {}): DynamoDBClient {
  return new DynamoDBClient({
    region: config.region,
    ...(config.endpoints?.dynamodb ? { endpoint: config.endpoints.dynamodb } : {}),
    // A copy: the SDK annotates the credentials object it is given, which would leak into the shared config.
    ...(config.credentials ? { credentials: { ...config.credentials } } : {}),
    ...overrides,
  });
}

/** Document client used by the registry; undefined attributes are dropped rather than rejected. */
export function documentClient(config: AwsConfig): DynamoDBDocumentClient {
  // Optional form fields arrive as undefined; rejecting the whole write over them would lose a submission.
  return DynamoDBDocumentClient.from(dynamoDbClient(config), {
    marshallOptions: { removeUndefinedValues: true },
  });
}
