/**
 * The two outside services the domain needs besides the registry, as interfaces, so use cases take them as
 * arguments and never import an AWS SDK. packages/aws implements them with S3 and SES.
 */

/** Object storage for raw mail, attachments and generated documents. */
export interface BlobStore {
  get(key: string): Promise<Uint8Array>;
  put(key: string, body: Uint8Array, contentType?: string): Promise<void>;
}

/** Outbound mail: sends a complete MIME message; resolves to the provider's message id. */
export interface Mailer {
  sendRaw(message: { from: string; to: string[]; raw: Uint8Array }): Promise<string>;
}
