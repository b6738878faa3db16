import { CourseRegistry, Registry } from '@lingjun/registry';
import { lazyMailer, s3BlobStore } from './adapters.ts';
import type { AwsConfig } from './config.ts';
import { documentClient } from './dynamodb.ts';
import { s3Client } from './s3.ts';

/**
 * The registry, blob store and mailer for a configuration: the one place use cases get their services. The
 * mailer is SES, or SMTP submission when `config.smtp` is set; `afterSend` receives each SMTP-sent message.
 */
export function services(
  config: AwsConfig,
  year: number,
  mail: { afterSend?: (raw: Uint8Array) => Promise<void> } = {},
) {
  const db = documentClient(config);
  return {
    registry: new Registry(db, config.tableName, year),
    course: new CourseRegistry(db, config.tableName, year),
    store: s3BlobStore(s3Client(config), config.bucketName),
    mailer: lazyMailer(async () => {
      if (config.smtp) return (await import('./smtp.ts')).smtpMailerFor(config, mail.afterSend);
      const { sesClient, sesMailer } = await import('./ses.ts');
      return sesMailer(sesClient(config));
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
