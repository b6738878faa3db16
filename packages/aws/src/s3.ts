import { S3Client } from '@aws-sdk/client-s3';
import type { AwsConfig } from './config.ts';

/** Prefix under which the SES receipt rule (and the local SMTP listener) stores raw inbound mail. */
export const RAW_MAIL_PREFIX = 'inbound/';

/** S3 key of the raw MIME message SES received with this message id (same in AWS and locally). */
export function rawMailKey(messageId: string): string {
  return `${RAW_MAIL_PREFIX}${messageId}`;
}

/** S3 client for the configured region/endpoint. */
export function s3Client(config: AwsConfig): S3Client {
  const local = config.endpoints?.s3 !== undefined;
  return new S3Client({
    region: config.region,
    // A copy: the SDK annotates the credentials object it is given, which would leak into the shared config.
    ...(config.credentials ? { credentials: { ...config.credentials } } : {}),
    ...(local
      ? {
          endpoint: config.endpoints?.s3,
          // s3rver understands neither virtual-hosted buckets on 127.0.0.1 nor the SDK's default
          // aws-chunked trailing checksums, so locally we ask for path style and checksums only when required.
          forcePathStyle: true,
          requestChecksumCalculation: 'WHEN_REQUIRED' as const,
          responseChecksumValidation: 'WHEN_REQUIRED' as const,
        }
      : {}),
  });
}
