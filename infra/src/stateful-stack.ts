import { createTableInput, createVerificationTableInput, TABLE_KEYS } from '@lingjun/registry';
import { Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { LingjunConfig } from './config.ts';

/** Key prefixes in the data bucket; SES writes raw mail under INBOUND, the functions the rest. */
export const PREFIXES = {
  inbound: 'inbound/',
  attachments: 'attachments/',
  documents: 'documents/',
} as const;

/**
 * Physical names are fixed (not generated) so the stateless stack can address the bucket and table by
 * name instead of by cross-stack export: exports would pin the stateful stack to whatever consumes them.
 */
export function dataBucketName(stack: Stack, name: string): string {
  return `${name}-data-${stack.account}-${stack.region}`;
}

/** The registry table's physical name. */
export function registryTableName(name: string): string {
  return `${name}-registry`;
}

/** The verification table's physical name: what the public certificate check reads. */
export function verificationTableName(name: string): string {
  return `${name}-verification`;
}

/** Name of the secret that keys people by ID number (HMAC); the functions resolve it at deploy time. */
export function personKeySecretName(name: string): string {
  return `${name}/person-key`;
}

/**
 * Name of the secret that signs certificate verification codes; only course-end holds it (verify checks the
 * code hashes course-end stores). Separate from the person key so it can be given out on its own.
 */
export function certKeySecretName(name: string): string {
  return `${name}/cert-key`;
}

export interface StatefulStackProps extends StackProps {
  config: LingjunConfig;
}

function attribute(
  name: string,
  definitions: readonly { AttributeName: string; AttributeType: string }[] = createTableInput(
    'x',
  ).AttributeDefinitions,
): dynamodb.Attribute {
  const def = definitions.find((a) => a.AttributeName === name);
  if (!def) throw new Error(`createTableInput has no attribute definition for ${name}`);
  // Every key of the design is a string; a mismatch here means table.ts changed and this must follow.
  if (def.AttributeType !== 'S') throw new Error(`attribute ${name} is not a string`);
  return { name, type: dynamodb.AttributeType.STRING };
}

/**
 * Everything that holds data and must survive a redeploy: the bucket (raw mail, attachments, generated
 * documents), its access-log bucket, the registry table and the key that encrypts the personal data in it,
 * and the verification table the public certificate check reads. Kept apart from the functions so a
 * stateless change can never replace or delete these.
 */
export class StatefulStack extends Stack {
  readonly bucket: s3.Bucket;
  readonly table: dynamodb.Table;
  readonly verificationTable: dynamodb.Table;
  readonly dataKey: kms.Key;
  readonly personKeySecret: secretsmanager.Secret;
  readonly certKeySecret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const { config } = props;

    // A customer-managed key (not the AWS-owned default) so access to ID numbers and phones in the table
    // is governed by this key's policy and every decrypt is visible in CloudTrail (spec §10).
    this.dataKey = new kms.Key(this, 'DataKey', {
      description: 'lingjun: personal data of applicants (registry table, data bucket, secrets)',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const logBucket = new s3.Bucket(this, 'AccessLogs', {
      // Server access logging only supports SSE-S3 on the target bucket.
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(365) }],
    });
    Validations.of(logBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log bucket itself; logging it into itself would loop.',
    });

    const expireDays = Duration.days(config.rawMailRetentionDays);
    this.bucket = new s3.Bucket(this, 'Data', {
      bucketName: dataBucketName(this, config.name),
      // Raw mail, attachments and documents carry ID numbers and phones: the same customer key as the table, so
      // one key policy governs all personal data and every decrypt is in CloudTrail. S3 encrypts on write
      // (server side), so every reader, Node's SDK included, gets plain bytes; bucket keys keep KMS calls few.
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.dataKey,
      bucketKeyEnabled: true,
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: logBucket,
      serverAccessLogsPrefix: 'data/',
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          id: 'expire-raw-mail',
          prefix: PREFIXES.inbound,
          expiration: expireDays,
          // With versioning, expiry only adds a delete marker; this removes the mail itself.
          noncurrentVersionExpiration: Duration.days(1),
        },
        { id: 'expire-old-versions', noncurrentVersionExpiration: Duration.days(90) },
        { id: 'abort-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
    });

    // SES acting for this account's named receipt rule set only (confused-deputy guard).
    const fromOurReceiptRules = {
      StringEquals: { 'aws:SourceAccount': this.account },
      ArnLike: {
        'aws:SourceArn': this.formatArn({
          service: 'ses',
          resource: 'receipt-rule-set',
          resourceName: `${config.receiptRuleSetName}:receipt-rule/*`,
        }),
      },
    };
    // SES writes raw mail; only this account's named receipt rule set may do so (confused-deputy guard).
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowSesPutRawMail',
        principals: [new iam.ServicePrincipal('ses.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects(`${PREFIXES.inbound}*`)],
        conditions: fromOurReceiptRules,
      }),
    );

    // SES's S3 action writes raw mail into this SSE-KMS bucket, so the key must let SES generate data keys
    // (and decrypt, which S3 needs for SSE-KMS writes), for this account's receipt rules only (SES developer
    // guide, "Give Amazon SES permission to use your AWS KMS key"). The S3 action's own KMS option is not used:
    // that is client-side encryption, which only the S3 encryption client can read, and Node has none.
    this.dataKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowSesToWriteRawMailToTheSseKmsBucket',
        principals: [new iam.ServicePrincipal('ses.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: fromOurReceiptRules,
      }),
    );

    // Without a real secret the code falls back to a public development key, and an HMAC of an
    // 18-digit ID with a known key can be reversed by trying every plausible ID. Generated, never typed.
    this.personKeySecret = new secretsmanager.Secret(this, 'PersonKeySecret', {
      secretName: personKeySecretName(config.name),
      description: 'lingjun: HMAC key that turns ID numbers into registry keys',
      encryptionKey: this.dataKey,
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.personKeySecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Rotating the person key would change every stored person key and break duplicate detection ' +
        'for the year; it is replaced deliberately between years, never automatically.',
    });

    // Codes are an HMAC of the certificate number: whoever holds this key can mint valid codes.
    this.certKeySecret = new secretsmanager.Secret(this, 'CertKeySecret', {
      secretName: certKeySecretName(config.name),
      description: 'lingjun: HMAC key that signs certificate verification codes',
      encryptionKey: this.dataKey,
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.certKeySecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Rotating the certificate key would make every issued verification code fail; certificates are ' +
        'checked for years after they are issued.',
    });

    const input = createTableInput('lingjun');
    const keyName = (
      type: 'HASH' | 'RANGE',
      schema: readonly { AttributeName: string; KeyType: string }[],
    ) => {
      const k = schema.find((s) => s.KeyType === type);
      if (!k) throw new Error(`createTableInput key schema has no ${type} key`);
      return k.AttributeName;
    };
    this.table = new dynamodb.Table(this, 'Registry', {
      tableName: registryTableName(config.name),
      partitionKey: attribute(keyName('HASH', input.KeySchema)),
      sortKey: attribute(keyName('RANGE', input.KeySchema)),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TABLE_KEYS.ttlAttribute,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.dataKey,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const gsi of input.GlobalSecondaryIndexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: gsi.IndexName,
        partitionKey: attribute(keyName('HASH', gsi.KeySchema)),
        sortKey: attribute(keyName('RANGE', gsi.KeySchema)),
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }

    // What the public verify function reads: per certificate its number, code hash, masked name, class and
    // status, plus per-address rate-limit counters; nothing a stranger could not already read off the
    // certificate. So it is encrypted with an AWS-owned key, and the public function needs no grant on the
    // data key: with a customer-managed key, every reader of the table must be allowed kms:Decrypt.
    const verification = createVerificationTableInput('lingjun');
    this.verificationTable = new dynamodb.Table(this, 'Verification', {
      tableName: verificationTableName(config.name),
      partitionKey: attribute(keyName('HASH', verification.KeySchema), verification.AttributeDefinitions),
      sortKey: attribute(keyName('RANGE', verification.KeySchema), verification.AttributeDefinitions),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Rate-limit counters expire; certificates carry no expiry.
      timeToLiveAttribute: TABLE_KEYS.ttlAttribute,
      encryption: dynamodb.TableEncryption.DEFAULT,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
