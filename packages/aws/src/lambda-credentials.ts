/**
 * What the Lambda bundles put in place of `@aws-sdk/credential-provider-node` (infra/src/esbuild-plugins.mjs):
 * the credentials of the function's role, which Lambda sets in the environment (AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN). In Lambda the SDK's default chain answers from the environment
 * too, its first link; the rest of it (SSO, INI files, processes, web identity, STS, container and instance
 * metadata) is never reached there but was bundled into every function: its chunks, and the protocols its
 * nested STS and SSO clients share with the cold start (aws-sdk-js-v3 #6087). Local runs pass credentials
 * explicitly (config.ts), so neither chain is asked.
 */
import { type FromEnvInit, fromEnv } from '@aws-sdk/credential-provider-env';

/** The clients' default credentials in a Lambda bundle: the role's, from the environment. */
export function defaultProvider(init: FromEnvInit = {}): ReturnType<typeof fromEnv> {
  return fromEnv(init);
}
