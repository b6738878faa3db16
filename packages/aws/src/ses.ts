import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { type Mailer, MailRefusedError } from '@lingjun/core';
import type { AwsConfig } from './config.ts';

/** SES v2 client (outbound mail) for the configured region/endpoint. */
export function sesClient(config: AwsConfig): SESv2Client {
  return new SESv2Client({
    region: config.region,
    ...(config.endpoints?.ses ? { endpoint: config.endpoints.ses } : {}),
    // A copy: the SDK annotates the credentials object it is given, which would leak into the shared config.
    ...(config.credentials ? { credentials: { ...config.credentials } } : {}),
  });
}

/**
 * Mailer on SES v2 SendEmail with raw content (attachments and threading headers need raw MIME), every mail
 * under the configuration set when one is given (its send, bounce and complaint events reach the system) and
 * with the caller's message tags, which SES hands back in those events.
 */
export function sesMailer(client: SESv2Client, configurationSet?: string): Mailer {
  return {
    async sendRaw({ from, to, raw, tags }) {
      const entries = Object.entries(tags ?? {});
      try {
        const res = await client.send(
          new SendEmailCommand({
            FromEmailAddress: from,
            Destination: { ToAddresses: to },
            Content: { Raw: { Data: raw } },
            ...(configurationSet ? { ConfigurationSetName: configurationSet } : {}),
            ...(entries.length ? { EmailTags: entries.map(([Name, Value]) => ({ Name, Value })) } : {}),
          }),
        );
        return res.MessageId ?? '';
      } catch (error) {
        throw refusal(error) ?? error;
      }
    },
  };
}

/**
 * SES answered with an error (throttled, rejected, a bad request): the mail did not leave. An error without an
 * HTTP answer (connection lost, timed out) says nothing about that and is passed on as it is.
 */
function refusal(error: unknown): MailRefusedError | undefined {
  const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  if (typeof status !== 'number' || status < 400) return undefined;
  const e = error as Error;
  return new MailRefusedError(`SES refused the mail (${e.name}: ${e.message})`, { cause: error });
}
