import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyResultV2, LambdaFunctionURLEvent } from 'aws-lambda';

/** A Function URL handler as the verify function exports it. */
export type UrlHandler = (event: LambdaFunctionURLEvent) => Promise<APIGatewayProxyResultV2>;

/** The local verification page: the verify function's own handler behind a loopback HTTP server. */
export interface LocalVerify {
  /** The page's address, the one certificates made on this stack carry (…/verify). */
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** The Function URL event (payload 2.0) Lambda would hand the handler for this request. */
export function functionUrlEvent(req: IncomingMessage, body: Buffer): LambdaFunctionURLEvent {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = String(v);
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = v;
  const method = req.method ?? 'GET';
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(url.search ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: 'anonymous',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: {
        method,
        path: url.pathname,
        protocol: 'HTTP/1.1',
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: `local-${Date.now()}`,
      routeKey: '$default',
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    ...(body.length > 0
      ? { body: body.toString('base64'), isBase64Encoded: true }
      : { isBase64Encoded: false }),
  } as LambdaFunctionURLEvent;
}

/** Writes a handler's result the way the Function URL front end does. */
function respond(res: ServerResponse, result: APIGatewayProxyResultV2): void {
  if (typeof result === 'string') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(result);
    return;
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(result.headers ?? {})) headers[k] = String(v);
  const body = result.body ?? '';
  res
    .writeHead(result.statusCode ?? 200, headers)
    .end(result.isBase64Encoded ? Buffer.from(body, 'base64') : body);
}

/**
 * Serves `handler` on a loopback port the OS picks, under /verify, as the deployed Function URL serves the
 * verify function: the page a certificate's QR code opens when it was issued by the local stack.
 */
export async function startVerifyServer(handler: UrlHandler, port = 0): Promise<LocalVerify> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handler(functionUrlEvent(req, Buffer.concat(chunks)))
        .then((result) => respond(res, result))
        .catch(() => res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('核验服务出错'));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}/verify`,
    port: bound,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
