import { type AwsConfig, configFromEnv, documentClient } from '@lingjun/aws';
import { handleVerifyRequest } from '@lingjun/certificates/verify';
import { CertificateCodes, CourseRegistry } from '@lingjun/registry';
import type { APIGatewayProxyResultV2, LambdaFunctionURLEvent } from 'aws-lambda';

/**
 * The verify entry point for a configuration; the local stack serves it on a loopback URL. It holds no
 * secret: codes are checked against the hashes course-end stored.
 */
export function verifyHandler(
  config: AwsConfig,
): (event: LambdaFunctionURLEvent) => Promise<APIGatewayProxyResultV2> {
  const db = documentClient(config);
  // Lookups go by certificate number, which carries its year; the registry's year is not used here.
  const course = new CourseRegistry(db, config.tableName, 0);
  const codes = new CertificateCodes(db, config.tableName);
  return (event) =>
    handleVerifyRequest(
      {
        method: event.requestContext.http.method,
        query: event.queryStringParameters ?? {},
        ...(event.headers?.accept ? { accept: event.headers.accept } : {}),
        sourceIp: event.requestContext.http.sourceIp,
      },
      { course, codes, now: new Date() },
    );
}

let deployed: ReturnType<typeof verifyHandler> | undefined;

/** Function URL entry point: checks a certificate number and code for anyone, rate-limited per address. */
export async function handler(event: LambdaFunctionURLEvent): Promise<APIGatewayProxyResultV2> {
  deployed ??= verifyHandler(configFromEnv());
  return deployed(event);
}
