import { CertificateCodes, CourseRegistry, Registry } from '@lingjun/registry';
import { lazyMailer, s3BlobStore } from './adapters.ts';
import type { AwsConfig } from './config.ts';
import { documentClient } from './dynamodb.ts';
import { s3Client } from './s3.ts';

/** The registry, blob store and mailer for a configuration: the one place use cases get their services. */
export function services(config: AwsConfig, year: number) {
  const db = documentClient(config);
  return {
    registry: new Registry(db, config.tableName, year),
    course: new CourseRegistry(db, config.tableName, year),
    codes: new CertificateCodes(db, config.tableName),
    store: s3BlobStore(s3Client(config), config.bucketName),
    mailer: lazyMailer(async () => {
      const { sesClient, sesMailer } = await import('./ses.ts');
      return sesMailer(sesClient(config), config.configurationSet);
    }),
  };
}

/**
 * Secret for the HMAC that keys people by ID number. In AWS it is set from a secret at deploy time; locally a
 * fixed development value is fine because local data never leaves the machine.
 */
export function keySecretFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env.LINGJUN_KEY_SECRET ?? 'lingjun-local-development-key';
}
