import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { BlobStore, Mailer } from '@lingjun/core';
import { TransientError } from '@lingjun/core';

/** BlobStore on an S3 bucket. */
export function s3BlobStore(client: S3Client, bucket: string): BlobStore {
  return {
    async get(key) {
      const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if (!res.Body) throw new TransientError(`S3 object ${key} has no body`);
      return res.Body.transformToByteArray();
    },
    async put(key, body, contentType) {
      await client.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }),
      );
    },
  };
}

/** Mailer on SES v2 SendEmail with raw content (attachments and threading headers need raw MIME). */
export function sesMailer(client: SESv2Client): Mailer {
  return {
    async sendRaw({ from, to, raw }) {
      const res = await client.send(
        new SendEmailCommand({
          FromEmailAddress: from,
          Destination: { ToAddresses: to },
          Content: { Raw: { Data: raw } },
        }),
      );
      return res.MessageId ?? '';
    },
  };
}
