/**
 * Reading a secret from Secrets Manager. Its own module, loaded with import() by the one caller: the package
 * index re-exports mailbox.ts, so a static import there would put the Secrets Manager client in every
 * function's cold start, and import() of the SDK package itself would bundle every one of its commands.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { AwsConfig } from './config.ts';

/** The SecretString of a secret, or undefined when it has none. */
export async function secretString(secretId: string, config: AwsConfig): Promise<string | undefined> {
  const client = new SecretsManagerClient({
    region: config.region,
    ...(config.credentials ? { credentials: { ...config.credentials } } : {}),
  });
  try {
    const res = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    return res.SecretString;
  } finally {
    client.destroy();
  }
}
