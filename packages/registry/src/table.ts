/**
 * The one DynamoDB table's key design, shared by the registry, the local stack (which creates it) and the
 * CDK stack (which deploys it), so the three cannot drift apart.
 *
 * Items are addressed by a partition key `pk` and sort key `sk` (both strings). One global secondary index
 * `gsi1` (`gsi1pk`, `gsi1sk`) serves listings by region and class. `expiresAt` (epoch seconds) is the TTL
 * attribute, used for short-lived items such as rate-limit counters.
 */
export const TABLE_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  gsi1: { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  ttlAttribute: 'expiresAt',
} as const;

/**
 * The CreateTable input of a table keyed by `pk` and `sk` alone, with no index: the verification table's
 * whole shape, and the registry's before its index (AWS gets the same keys from CDK).
 */
export function createKeyedTableInput(tableName: string) {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: [
      { AttributeName: TABLE_KEYS.partitionKey, AttributeType: 'S' as const },
      { AttributeName: TABLE_KEYS.sortKey, AttributeType: 'S' as const },
    ],
    KeySchema: [
      { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' as const },
      { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' as const },
    ],
  };
}

/** The CreateTable input of the registry's table for the local stack (AWS gets the same shape from CDK). */
export function createTableInput(tableName: string) {
  const keyed = createKeyedTableInput(tableName);
  return {
    ...keyed,
    AttributeDefinitions: [
      ...keyed.AttributeDefinitions,
      { AttributeName: TABLE_KEYS.gsi1.partitionKey, AttributeType: 'S' as const },
      { AttributeName: TABLE_KEYS.gsi1.sortKey, AttributeType: 'S' as const },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: TABLE_KEYS.gsi1.name,
        KeySchema: [
          { AttributeName: TABLE_KEYS.gsi1.partitionKey, KeyType: 'HASH' as const },
          { AttributeName: TABLE_KEYS.gsi1.sortKey, KeyType: 'RANGE' as const },
        ],
        Projection: { ProjectionType: 'ALL' as const },
      },
    ],
  };
}
