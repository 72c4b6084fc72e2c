// The ways a real issuer misbehaves, on demand: errors, resets, garbage, HTML login pages, slowness.
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * How the issuer answers discovery or JWKS requests.
 * @example
 * ```ts
 * import { startLocalIssuer, type FaultMode } from 'nestjs-resource-server/testing';
 *
 * const mode: FaultMode = 'reset';
 * (await startLocalIssuer()).setFault('discovery', mode);
 * ```
 */
export type FaultMode = 'ok' | 'status500' | 'reset' | 'garbage' | 'slow' | 'notFound' | 'html';

/**
 * Sends a JSON body with its length.
 * @example
 * (await startLocalIssuer()).route('GET', '/userinfo', (_req, res) => sendJson(res, 200, { sub: 'ada' }));
 */
export function sendJson(res: ServerResponse, status: number, body: unknown, contentType = 'application/json'): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * What a faulty answer needs: the exchange, the timers to clear on close, the normal answer.
 * @example
 * // internal to startLocalIssuer: answerWithFault({ mode: 'slow', delayMs: 100 }, exchange)
 */
export interface FaultExchange {
  req: IncomingMessage;
  res: ServerResponse;
  pathname: string;
  slowTimers: Set<NodeJS.Timeout>;
  answer(): void;
}

/**
 * Answers one request the way `fault.mode` says.
 * @example
 * // internal to startLocalIssuer: answerWithFault({ mode: 'status500', delayMs: 0 }, exchange)
 */
export function answerWithFault(fault: { mode: FaultMode; delayMs: number }, x: FaultExchange): void {
  const { req, res } = x;
  switch (fault.mode) {
    case 'ok':
      x.answer();
      return;
    case 'status500':
      sendJson(res, 500, { error: 'server_error', error_description: 'simulated failure' });
      return;
    case 'reset':
      // Drops the TCP connection without any HTTP response: the client sees a network error.
      req.socket.destroy();
      return;
    case 'garbage':
      // Claims JSON but is not, to catch clients that trust the content-type.
      res.writeHead(200, { 'content-type': 'application/json' }).end('not json{');
      return;
    case 'html':
      res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end('<!doctype html><html><head><title>Login</title></head><body><h1>Please sign in</h1></body></html>');
      return;
    case 'notFound':
      sendJson(res, 404, { error: 'not_found', path: x.pathname });
      return;
    case 'slow': {
      const timer = setTimeout(() => {
        x.slowTimers.delete(timer);
        if (!res.destroyed && !res.writableEnded) x.answer();
      }, fault.delayMs);
      x.slowTimers.add(timer);
      // A client that gives up (timeout/abort) should not leave a timer behind.
      res.on('close', () => {
        clearTimeout(timer);
        x.slowTimers.delete(timer);
      });
      return;
    }
  }
}
