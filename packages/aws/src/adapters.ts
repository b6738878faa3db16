import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { BlobStore, Mailer } from '@lingjun/core';
import { once, TransientError } from '@lingjun/core';

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

/**
 * A Mailer that builds the real one on its first send. Intake loads the SES client (and the reply composer)
 * only when it answers: reports, automatic mail and redeliveries of answered mail never do, and a cold start
 * compiles less (npm run bench, init stage).
 */
export function lazyMailer(load: () => Promise<Mailer>): Mailer {
  const mailer = once(load);
  return {
    async sendRaw(message) {
      return (await mailer()).sendRaw(message);
    },
  };
}

/** The raw messages under a prefix of an S3 bucket, with the time each was stored (for the sweeper). */
export function s3RawMailList(client: S3Client, bucket: string) {
  return {
    async list(prefix: string): Promise<{ key: string; storedAt: Date }[]> {
      const out: { key: string; storedAt: Date }[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
        );
        for (const o of page.Contents ?? []) {
          if (o.Key && o.LastModified) out.push({ key: o.Key, storedAt: o.LastModified });
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return out;
    },
  };
}
