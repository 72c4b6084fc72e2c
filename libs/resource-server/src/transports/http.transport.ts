// RFC 6750 over HTTP (Express or Fastify): the token from the request (§2), failures as a status,
// a `WWW-Authenticate` challenge (§3) and one JSON body shape. Never imports a platform package.
import { HttpException, type ArgumentsHost, type ExecutionContext } from '@nestjs/common';
import type { HttpAdapterHost } from '@nestjs/core';
import { extractToken, type TokenLocation, type TokenSource } from '../core/credentials/token-extractor.js';
import { errorBody, errorHeaders } from '../errors/challenge.js';
import { PROBLEM_JSON, problemBody } from '../errors/problem.js';
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
    /** RFC 9457 `application/problem+json` bodies instead of `{ statusCode, error, message }`. */
    private readonly problemDetails = false,
  ) {}

  /** The headers and body of a failure: the challenge either way, the body in the configured format. */
  private answer(error: ResourceServerError): { headers: [string, string][]; body: object } {
    const headers = errorHeaders(this.realm, error);
    if (!this.problemDetails) return { headers, body: errorBody(error) };
    // Set before Nest writes the body: Express and Fastify keep a content type already set.
    return { headers: [...headers, ['Content-Type', PROBLEM_JSON]], body: problemBody(error) };
  }

  credential(context: ExecutionContext): Credential {
    return { token: extractToken(tokenSourceOf(context.switchToHttp().getRequest<HttpRequest>()), this.locations), scheme: 'bearer' };
  }

  /** Sets the challenge on the response and returns a Nest `HttpException`, as `@nestjs/throttler` does. */
  reject(error: ResourceServerError, context: ExecutionContext): HttpException {
    const response = context.switchToHttp().getResponse<HeaderSink>();
    const { headers, body } = this.answer(error);
    for (const [name, value] of headers) response.header(name, value);
    return new HttpException(body, error.status, { cause: error });
  }

  respond(error: ResourceServerError, host: ArgumentsHost): void {
    const adapter = this.adapterHost.httpAdapter;
    const response = host.switchToHttp().getResponse<unknown>();
    const { headers, body } = this.answer(error);
    for (const [name, value] of headers) adapter.setHeader(response, name, value);
    adapter.reply(response, body, error.status);
  }
}
