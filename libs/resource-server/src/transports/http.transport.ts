// RFC 6750 over HTTP (Express or Fastify): the token from the request (§2), failures as a status,
// a `WWW-Authenticate` challenge (§3) and one JSON body shape. Never imports a platform package.
import { HttpException, type ArgumentsHost, type ExecutionContext } from '@nestjs/common';
import type { HttpAdapterHost } from '@nestjs/core';
import { extractToken, type TokenLocation, type TokenSource } from '../core/credentials/token-extractor.js';
import { errorBody, errorHeaders } from '../errors/challenge.js';
import type { ResourceServerError } from '../errors/resource-server.error.js';
import type { Credential, TransportAdapter } from './transport-adapter.js';

/** A Fastify request keeps Node's message (and so the raw header list) under `raw`. */
type HttpRequest = TokenSource & { raw?: { rawHeaders?: readonly string[] } };

/** The response operation the transport needs; Express and Fastify both have `header`. */
interface HeaderSink {
  header(name: string, value: string): unknown;
}

/** The request as the token extractor reads it, with the raw header list on both platforms. */
export function tokenSourceOf(request: HttpRequest): TokenSource {
  if (request.rawHeaders !== undefined || request.raw?.rawHeaders === undefined) return request;
  const { headers, method, query, body } = request;
  return { headers, method, query, body, rawHeaders: request.raw.rawHeaders };
}

/** The HTTP adapter of the pipeline. */
export class HttpTransport implements TransportAdapter {
  readonly type = 'http';

  constructor(
    private readonly realm: string,
    private readonly locations: ReadonlySet<TokenLocation>,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  credential(context: ExecutionContext): Credential {
    return { token: extractToken(tokenSourceOf(context.switchToHttp().getRequest<HttpRequest>()), this.locations), scheme: 'bearer' };
  }

  /** Sets the challenge on the response and returns a Nest `HttpException`, as `@nestjs/throttler` does. */
  reject(error: ResourceServerError, context: ExecutionContext): HttpException {
    const response = context.switchToHttp().getResponse<HeaderSink>();
    for (const [name, value] of errorHeaders(this.realm, error)) response.header(name, value);
    return new HttpException(errorBody(error), error.status, { cause: error });
  }

  respond(error: ResourceServerError, host: ArgumentsHost): void {
    const adapter = this.adapterHost.httpAdapter;
    const response = host.switchToHttp().getResponse<unknown>();
    for (const [name, value] of errorHeaders(this.realm, error)) adapter.setHeader(response, name, value);
    adapter.reply(response, errorBody(error), error.status);
  }
}
