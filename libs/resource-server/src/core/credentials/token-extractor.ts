// RFC 6750 §2: where a bearer token may travel. The Authorization header always; the form body
// (§2.2) and the query string (§2.3, which leaks tokens into logs) only when configured.
// §2 also forbids sending more than one: that is a 400 invalid_request.
import { InvalidRequestError, MissingTokenError } from '../../errors/resource-server.error.js';

/** Where, besides the Authorization header (always read), the guard may look for the access token. */
export type TokenLocation = 'body' | 'query';

/** The parts of an HTTP request the extractor reads (Express and Fastify requests both fit). */
export interface TokenSource {
  headers: Readonly<Record<string, string | string[] | undefined>>;
  method?: string;
  query?: unknown;
  body?: unknown;
  /** The headers as received (Node's `IncomingMessage.rawHeaders`), to see repeated headers. */
  rawHeaders?: readonly string[];
}

// RFC 6750 §2.1 b64token.
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

function fromHeader(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) throw new InvalidRequestError('malformed_authorization');
  const header = value.trim();
  // The scheme is case-insensitive (RFC 7235 §2.1); another scheme (Basic, DPoP, ...) is not ours to judge.
  if (header.slice(0, 6).toLowerCase() !== 'bearer') return undefined;
  if (header.length > 6 && header[6] !== ' ') return undefined; // e.g. "Bearerx": another scheme
  const credentials = header.slice(6).trim();
  if (credentials === '' || !B64TOKEN.test(credentials)) throw new InvalidRequestError('malformed_authorization');
  return credentials;
}

// Node keeps only the first Authorization header of a request and drops the others, so two headers
// (a valid token and a forged one, say) can only be seen in the raw header list.
function countAuthorizationHeaders(raw: readonly string[]): number {
  let count = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i].length === 13 && raw[i].toLowerCase() === 'authorization') count++;
  return count;
}

function fromParameters(params: unknown): string | undefined {
  if (typeof params !== 'object' || params === null) return undefined;
  const value = (params as Record<string, unknown>).access_token;
  if (value === undefined) return undefined;
  if (Array.isArray(value)) throw new InvalidRequestError('multiple_tokens');
  if (typeof value !== 'string' || !B64TOKEN.test(value)) throw new InvalidRequestError('malformed_parameter');
  return value;
}

function isFormRequest(source: TokenSource): boolean {
  const type = source.headers['content-type'];
  return source.method !== 'GET' && typeof type === 'string' && type.toLowerCase().startsWith('application/x-www-form-urlencoded');
}

/**
 * Returns the one access token of a request.
 * Throws {@link MissingTokenError} when there is none and {@link InvalidRequestError} when the header
 * is malformed or several tokens are present.
 */
export function extractToken(source: TokenSource, locations: ReadonlySet<TokenLocation>): string {
  const found: string[] = [];
  const authorization = source.headers.authorization;
  if (authorization !== undefined && source.rawHeaders && countAuthorizationHeaders(source.rawHeaders) > 1) {
    throw new InvalidRequestError('multiple_tokens');
  }
  const header = fromHeader(authorization);
  if (header !== undefined) found.push(header);
  if (locations.has('body') && isFormRequest(source)) {
    const body = fromParameters(source.body);
    if (body !== undefined) found.push(body);
  }
  if (locations.has('query')) {
    const query = fromParameters(source.query);
    if (query !== undefined) found.push(query);
  }
  if (found.length > 1) throw new InvalidRequestError('multiple_tokens');
  const [token] = found;
  if (token === undefined) throw new MissingTokenError();
  return token;
}
