import { configFromEnv, documentClient } from '@lingjun/aws';
import { handleVerifyRequest } from '@lingjun/certificates/verify';
import { CertificateCodes, CourseRegistry } from '@lingjun/registry';
import type { APIGatewayProxyResultV2, LambdaFunctionURLEvent } from 'aws-lambda';

let course: CourseRegistry | undefined;
let codes: CertificateCodes | undefined;

/**
 * Function URL entry point: checks a certificate number and code for anyone, rate-limited per address. It holds
 * no secret: codes are checked against the hashes course-end stored.
 */
export async function handler(event: LambdaFunctionURLEvent): Promise<APIGatewayProxyResultV2> {
  const config = configFromEnv();
  // Lookups go by certificate number, which carries its year; the registry's year is not used here.
  course ??= new CourseRegistry(documentClient(config), config.tableName, 0);
  codes ??= new CertificateCodes(documentClient(config), config.tableName);
  const res = await handleVerifyRequest(
    {
      method: event.requestContext.http.method,
      query: event.queryStringParameters ?? {},
      ...(event.headers?.accept ? { accept: event.headers.accept } : {}),
      sourceIp: event.requestContext.http.sourceIp,
    },
    { course, codes, now: new Date() },
  );
  return res;
}
