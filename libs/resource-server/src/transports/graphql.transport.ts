// GraphQL (`@nestjs/graphql`, Apollo or Mercurius driver): the token from the HTTP request behind
// the GraphQL context (RFC 6750 §2), or from `connectionParams` for a subscription over graphql-ws;
// failures as GraphQL errors with `extensions.code`. Imports neither `graphql` nor `@nestjs/graphql`:
// graphql-js wraps the error a resolver throws into a located `GraphQLError` (path, locations) and
// keeps the original error's `extensions`, so apps without GraphQL never load it.
import type { ArgumentsHost, ExecutionContext } from '@nestjs/common';
import { extractToken, type TokenLocation, type TokenSource } from '../core/credentials/token-extractor.js';
import { errorHeaders } from '../errors/challenge.js';
import { challengeHeaders } from '../errors/scheme-challenges.js';
import { readHttpCredential } from './http-credential.js';
import { requestScheme, tokenSourceOf, type HttpTransportSettings } from './http.transport.js';
import { errorPayload } from '../errors/payload.js';
import type { ResourceServerError } from '../errors/resource-server.error.js';
import type { Credential, TransportAdapter } from './transport-adapter.js';

/** The response operations the transport needs (Express `res` and Fastify `reply` both have them). */
interface ResponseLike {
  header(name: string, value: string): unknown;
  headersSent?: boolean;
  sent?: boolean;
}

/** What the drivers put in the GraphQL context: Apollo `{ req }` (Express `req.res`), Mercurius `{ req, reply }`. */
interface GraphqlContext {
  req?: unknown;
  res?: unknown;
  reply?: unknown;
}

/**
 * A graphql-ws connection context (`connectionParams` from `connection_init`), as far as the library reads it.
 * @example
 * ```ts
 * const context: GraphqlWsContext = { connectionInitReceived: true, connectionParams: { authorization: 'Bearer eyJ...' } };
 * ```
 */
export interface GraphqlWsContext {
  readonly connectionInitReceived: boolean;
  readonly connectionParams?: Readonly<Record<string, unknown>>;
}

/**
 * The `extensions` of a GraphQL error the library raises.
 * @example
 * ```ts
 * const refused: GraphqlErrorExtensions = { code: 'FORBIDDEN', error: 'insufficient_scope', scope: 'read:messages' };
 * ```
 */
export interface GraphqlErrorExtensions {
  /** `UNAUTHENTICATED` (no, bad or malformed token), `FORBIDDEN` (valid token, not enough), `SERVICE_UNAVAILABLE` (issuer outage). */
  readonly code: 'UNAUTHENTICATED' | 'FORBIDDEN' | 'SERVICE_UNAVAILABLE';
  /** The RFC 6750 code where there is one (`invalid_token`, `insufficient_scope`, ...), else a short reason. */
  readonly error: string;
  /** For a scope failure: the scopes the field requires, space-separated. */
  readonly scope?: string;
}

/**
 * The error a refused GraphQL field gets. graphql-js places it (path, locations) and both drivers
 * send its `extensions`; it carries no stack frames, so a server set to include stack traces shows none.
 * `cause` is the `ResourceServerError`, for logs.
 * @example
 * ```ts
 * import { unwrapResolverError } from '@apollo/server/errors';
 * import type { GraphQLFormattedError } from 'graphql';
 *
 * // Apollo: tell the library's refusals apart from your own errors in formatError.
 * const formatError = (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError =>
 *   unwrapResolverError(error) instanceof GraphqlAccessError ? formatted : { message: 'Internal error' };
 * ```
 */
export class GraphqlAccessError extends Error {
  readonly extensions: GraphqlErrorExtensions;

  constructor(error: ResourceServerError) {
    super(error.message, { cause: error });
    this.name = 'GraphqlAccessError';
    const { error: code, scope } = errorPayload(error);
    this.extensions = { code: graphqlCode(error.status), error: code, ...(scope === undefined ? {} : { scope }) };
    this.stack = `${this.name}: ${this.message}`;
  }
}

function graphqlCode(status: number): GraphqlErrorExtensions['code'] {
  if (status === 403) return 'FORBIDDEN';
  return status >= 500 ? 'SERVICE_UNAVAILABLE' : 'UNAUTHENTICATED';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** The graphql-ws connection context behind a GraphQL context (Apollo's default context puts it under `req`). */
export function graphqlWsContextOf(context: unknown): GraphqlWsContext | undefined {
  for (const candidate of [context, isObject(context) ? context.req : undefined]) {
    if (isObject(candidate) && typeof candidate.connectionInitReceived === 'boolean')
      return candidate as unknown as GraphqlWsContext;
  }
  return undefined;
}

/** The token source of a graphql-ws connection: its `connectionParams.authorization` as a header. */
export function connectionTokenSource(ws: GraphqlWsContext): TokenSource {
  const authorization = ws.connectionParams?.authorization ?? ws.connectionParams?.Authorization;
  // Anything but one string (a number, an array, an object) is a malformed credential, not a missing one.
  return {
    headers: { authorization: authorization === undefined || typeof authorization === 'string' ? authorization : [] },
  };
}

function httpRequestOf(context: GraphqlContext): (TokenSource & { res?: unknown }) | undefined {
  const request = isObject(context.reply) && isObject(context.reply.request) ? context.reply.request : context.req;
  return isObject(request) && isObject(request.headers)
    ? (request as unknown as TokenSource & { res?: unknown })
    : undefined;
}

function responseOf(context: GraphqlContext): ResponseLike | undefined {
  const request = httpRequestOf(context);
  for (const candidate of [context.reply, context.res, request?.res]) {
    if (isObject(candidate) && typeof candidate.header === 'function') return candidate as unknown as ResponseLike;
  }
  return undefined;
}

/** The GraphQL adapter of the pipeline. */
export class GraphqlTransport implements TransportAdapter {
  readonly type = 'graphql';

  /**
   * @param http the HTTP adapter's settings: over HTTP a GraphQL request presents its token exactly as
   * a REST request does (Bearer or DPoP with its proof, mTLS certificate), and gets the same challenges.
   */
  constructor(
    private readonly realm: string,
    private readonly locations: ReadonlySet<TokenLocation>,
    private readonly http?: HttpTransportSettings,
  ) {}

  credential(context: ExecutionContext): Credential {
    const graphqlContext = context.getArgByIndex<GraphqlContext | undefined>(2) ?? {};
    const ws = graphqlWsContextOf(graphqlContext);
    // Over graphql-ws the token travels in connectionParams only; other locations do not exist there.
    if (ws) return { token: extractToken(connectionTokenSource(ws), new Set()), scheme: 'bearer' };
    const request = httpRequestOf(graphqlContext);
    if (request && this.http) return readHttpCredential(request, this.http.credential);
    return {
      token: extractToken(request ? tokenSourceOf(request) : { headers: {} }, this.locations),
      scheme: 'bearer',
    };
  }

  /** Sets the RFC 6750 challenge (no token or a rejected one) on the HTTP response and returns the GraphQL error. */
  reject(error: ResourceServerError, context: ExecutionContext | ArgumentsHost): GraphqlAccessError {
    if (error.status === 400 || error.status === 401) {
      const graphqlContext = context.getArgByIndex<GraphqlContext | undefined>(2) ?? {};
      const response = responseOf(graphqlContext);
      if (response && !response.headersSent && !response.sent) {
        for (const [name, value] of this.challenge(error, httpRequestOf(graphqlContext))) response.header(name, value);
      }
    }
    return new GraphqlAccessError(error);
  }

  /** Sets a header (a DPoP-Nonce) on the HTTP response behind the operation, while it is unsent. */
  setHeader(context: ExecutionContext, name: string, value: string): void {
    const response = responseOf(context.getArgByIndex<GraphqlContext | undefined>(2) ?? {});
    if (response && !response.headersSent && !response.sent) response.header(name, value);
  }

  private challenge(error: ResourceServerError, request: TokenSource | undefined): [string, string][] {
    if (!this.http) return errorHeaders(this.realm, error);
    return challengeHeaders(this.http.challenges, error, request ? requestScheme(request) : 'bearer');
  }

  /** A field resolver that returns an `Error` fails that field: graphql-js throws it as a located error. */
  respond(error: ResourceServerError, host: ArgumentsHost): GraphqlAccessError {
    return this.reject(error, host);
  }
}
