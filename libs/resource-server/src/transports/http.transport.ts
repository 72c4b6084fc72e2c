// RFC 6750 over HTTP (Express or Fastify): the token from the request (§2), failures as a status,
// a `WWW-Authenticate` challenge (§3) and one JSON body shape; with DPoP (RFC 9449 §7.1) a second
// challenge and the proof read from the request. Never imports a platform package.
import { HttpException, type ArgumentsHost, type ExecutionContext } from '@nestjs/common';
import type { HttpAdapterHost } from '@nestjs/core';
import type { TokenLocation, TokenSource } from '../core/credentials/token-extractor.js';
import { errorBody } from '../errors/challenge.js';
import { PROBLEM_JSON, problemBody } from '../errors/problem.js';
import type { ResourceServerError } from '../errors/resource-server.error.js';
import { challengeHeaders, type ChallengeSettings } from '../errors/scheme-challenges.js';
import { readHttpCredential, type HttpCredentialSettings, type HttpRequestLike } from './http-credential.js';
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

/** The scheme of the request's Authorization header, for the challenge its failure goes into. */
export function requestScheme(request: {
  headers: Readonly<Record<string, string | string[] | undefined>>;
}): 'bearer' | 'dpop' {
  const header = request.headers.authorization;
  return typeof header === 'string' && /^\s*dpop(\s|$)/i.test(header) ? 'dpop' : 'bearer';
}

/** What the HTTP adapter reads and answers, beyond the realm. */
export interface HttpTransportSettings {
  readonly credential: HttpCredentialSettings;
  readonly challenges: ChallengeSettings;
}

/** The HTTP adapter of the pipeline. */
export class HttpTransport implements TransportAdapter {
  readonly type = 'http';
  private readonly settings: HttpTransportSettings;

  constructor(
    realm: string,
    locations: ReadonlySet<TokenLocation>,
    private readonly adapterHost: HttpAdapterHost,
    settings?: HttpTransportSettings,
    /** RFC 9457 `application/problem+json` bodies instead of `{ statusCode, error, message }`. */
    private readonly problemDetails = false,
  ) {
    this.settings = settings ?? {
      credential: { locations, schemes: new Set(['bearer']), trustProxy: false, clientCertificateHeader: undefined },
      challenges: { realm, bearer: true, dpop: false, dpopAlgorithms: [], resourceMetadata: undefined },
    };
  }

  credential(context: ExecutionContext): Credential {
    // The request by index: `switchToHttp()` allocates on every call (see carrierOf).
    return readHttpCredential(context.getArgByIndex<HttpRequestLike>(0), this.settings.credential);
  }

  /** Sets the challenge on the response and returns a Nest `HttpException`, as `@nestjs/throttler` does. */
  reject(error: ResourceServerError, context: ExecutionContext): HttpException {
    const http = context.switchToHttp();
    const response = http.getResponse<HeaderSink>();
    const { headers, body } = this.answer(error, http.getRequest());
    for (const [name, value] of headers) response.header(name, value);
    return new HttpException(body, error.status, { cause: error });
  }

  respond(error: ResourceServerError, host: ArgumentsHost): void {
    const adapter = this.adapterHost.httpAdapter;
    const http = host.switchToHttp();
    const response = http.getResponse<unknown>();
    const { headers, body } = this.answer(error, http.getRequest());
    for (const [name, value] of headers) adapter.setHeader(response, name, value);
    adapter.reply(response, body, error.status);
  }

  setHeader(context: ExecutionContext, name: string, value: string): void {
    context.switchToHttp().getResponse<HeaderSink>().header(name, value);
  }

  /** The headers and body of a failure: the challenges either way, the body in the configured format. */
  private answer(
    error: ResourceServerError,
    request: HttpRequest | undefined,
  ): { headers: [string, string][]; body: object } {
    const headers = challengeHeaders(
      this.settings.challenges,
      error,
      request?.headers ? requestScheme(request) : 'bearer',
    );
    if (!this.problemDetails) return { headers, body: errorBody(error) };
    // Set before Nest writes the body: Express and Fastify keep a content type already set.
    return { headers: [...headers, ['Content-Type', PROBLEM_JSON]], body: problemBody(error) };
  }
}
