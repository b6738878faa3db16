import { type AwsConfig, configFromEnv, documentClient } from '@lingjun/aws';
import { certSecretFromEnv } from '@lingjun/certificates/code';
import { handleVerifyRequest } from '@lingjun/certificates/verify';
import { CourseRegistry } from '@lingjun/registry';
import type { APIGatewayProxyResultV2, LambdaFunctionURLEvent } from 'aws-lambda';

/** The verify entry point for a configuration; the local stack serves it on a loopback URL. */
export function verifyHandler(
  config: AwsConfig,
): (event: LambdaFunctionURLEvent) => Promise<APIGatewayProxyResultV2> {
  // Lookups go by certificate number, which carries its year; the registry's year is not used here.
  const course = new CourseRegistry(documentClient(config), config.tableName, 0);
  return (event) => answer(event, course);
}

let deployed: ReturnType<typeof verifyHandler> | undefined;

/** Function URL entry point: checks a certificate number and code for anyone, rate-limited per address. */
export async function handler(event: LambdaFunctionURLEvent): Promise<APIGatewayProxyResultV2> {
  deployed ??= verifyHandler(configFromEnv());
  return deployed(event);
}

async function answer(
  event: LambdaFunctionURLEvent,
  course: CourseRegistry,
): Promise<APIGatewayProxyResultV2> {
  const res = await handleVerifyRequest(
    {
      method: event.requestContext.http.method,
      query: event.queryStringParameters ?? {},
      ...(event.headers?.accept ? { accept: event.headers.accept } : {}),
      sourceIp: event.requestContext.http.sourceIp,
    },
    { course, secret: certSecretFromEnv(), now: new Date() },
  );
  return res;
}
