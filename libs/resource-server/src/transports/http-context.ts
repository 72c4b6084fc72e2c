import type { ExecutionContext } from '@nestjs/common';

/**
 * The HTTP execution context of a bare request, for code that has a request but no context
 * (a Passport strategy's `authenticate(req)`): enough for transport adapters, which read the
 * request and nothing else. Express and Fastify requests alike; the response is the request's own
 * (`req.res` on Express), if any.
 */
export function httpContextOf(request: object): ExecutionContext {
  const response = (request as { res?: unknown }).res;
  const args = [request, response, undefined];
  const http = { getRequest: () => request, getResponse: () => response, getNext: () => undefined };
  const unavailable = (what: string) => () => {
    throw new Error(`${what} is not available outside a Nest execution context`);
  };
  return {
    getType: () => 'http',
    getArgs: () => args,
    getArgByIndex: (index: number) => args[index],
    switchToHttp: () => http,
    switchToRpc: unavailable('switchToRpc'),
    switchToWs: unavailable('switchToWs'),
    getClass: unavailable('getClass'),
    getHandler: unavailable('getHandler'),
  } as unknown as ExecutionContext;
}
