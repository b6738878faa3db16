/**
 * The two outside services the domain needs besides the registry, as interfaces, so use cases take them as
 * arguments and never import an AWS SDK. packages/aws implements them with S3 and SES.
 */

/** Object storage for raw mail, attachments and generated documents. */
export interface BlobStore {
  get(key: string): Promise<Uint8Array>;
  put(key: string, body: Uint8Array, contentType?: string): Promise<void>;
}

/**
 * Outbound mail: sends a complete MIME message; resolves to the provider's message id. Throws MailRefusedError
 * when the provider answered with an error (the mail did not leave); any other failure may have sent it.
 */
export interface Mailer {
  sendRaw(message: {
    from: string;
    to: string[];
    raw: Uint8Array;
    /**
     * Tags the provider hands back in its events about this mail (SES message tags: letters, digits, `_`, `-`);
     * `SEND_TAG` carries the key a "was it sent?" question is asked by.
     */
    tags?: Record<string, string>;
  }): Promise<string>;
}

/** The message tag under which a mail's Send event is recorded as evidence that it left. */
export const SEND_TAG = 'lingjun-send';

/** The display name of every mail the system sends and the author of the documents it writes. */
export const SENDER_NAME = '领军人才培训报名系统';
