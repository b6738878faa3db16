import { SESv2Client } from '@aws-sdk/client-sesv2';
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
