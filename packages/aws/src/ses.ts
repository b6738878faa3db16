import { SESv2Client } from '@aws-sdk/client-sesv2';
import type { AwsConfig } from './config.ts';

/** SES v2 client (outbound mail) for the configured region/endpoint. */
export function sesClient(config: AwsConfig): SESv2Client {
  return new SESv2Client({
    region: config.region,
    ...(config.endpoints?.ses ? { endpoint: config.endpoints.ses } : {}),
    ...(config.credentials ? { credentials: config.credentials } : {}),
  });
}
