import { log } from '@lingjun/core';
import type { APIGatewayProxyResultV2, LambdaFunctionURLEvent } from 'aws-lambda';

/**
 * Function URL entry point for certificate verification. Placeholder: answers 501 so a caller sees the
 * service exists but cannot vouch for any certificate yet (never a false "genuine").
 */
export async function handler(event: LambdaFunctionURLEvent): Promise<APIGatewayProxyResultV2> {
  log.warn('verify handler not implemented', { path: event.rawPath });
  return {
    statusCode: 501,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify({ error: 'not_implemented', message: '证书核验服务尚未开通' }),
  };
}
