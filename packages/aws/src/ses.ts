import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { Mailer } from '@lingjun/core';
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
 * under the configuration set when one is given (its bounce and complaint events reach the system).
 */
export function sesMailer(client: SESv2Client, configurationSet?: string): Mailer {
  return {
    async sendRaw({ from, to, raw }) {
      const res = await client.send(
        new SendEmailCommand({
          FromEmailAddress: from,
          Destination: { ToAddresses: to },
          Content: { Raw: { Data: raw } },
          ...(configurationSet ? { ConfigurationSetName: configurationSet } : {}),
        }),
      );
      return res.MessageId ?? '';
    },
  };
}
