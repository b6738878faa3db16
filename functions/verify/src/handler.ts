import { type AwsConfig, configFromEnv, verificationTable } from '@lingjun/aws';
import { handleVerifyRequest } from '@lingjun/certificates/verify';
import type { APIGatewayProxyResultV2, LambdaFunctionURLEvent } from 'aws-lambda';

/**
 * The verify entry point for a configuration; the local stack serves it on a loopback URL. It holds no
 * secret (codes are checked against the hashes course-end published) and touches only the verification
 * table, never the registry's.
 */
export function verifyHandler(
  config: AwsConfig,
): (event: LambdaFunctionURLEvent) => Promise<APIGatewayProxyResultV2> {
  const verification = verificationTable(config);
  return (event) =>
    handleVerifyRequest(
      {
        method: event.requestContext.http.method,
        query: event.queryStringParameters ?? {},
        ...(event.headers?.accept ? { accept: event.headers.accept } : {}),
        sourceIp: event.requestContext.http.sourceIp,
      },
      { verification, now: new Date() },
    );
}

let deployed: ReturnType<typeof verifyHandler> | undefined;

/** Function URL entry point: checks a certificate number and code for anyone, rate-limited per address. */
export async function handler(event: LambdaFunctionURLEvent): Promise<APIGatewayProxyResultV2> {
  deployed ??= verifyHandler(configFromEnv());
  return deployed(event);
}
