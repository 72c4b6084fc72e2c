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

/** The authorization schemes an access token may come with: RFC 6750 Bearer, RFC 9449 DPoP. */
export type TokenScheme = 'bearer' | 'dpop';

/** An access token and the scheme it was presented with. */
export interface PresentedToken {
  readonly token: string;
  readonly scheme: TokenScheme;
}

const BEARER_ONLY: ReadonlySet<TokenScheme> = new Set(['bearer']);

const SCHEMES: readonly TokenScheme[] = ['bearer', 'dpop'];

/** Whether `text` starts with `name` (lower-case ASCII letters only) in any case. */
function startsWithName(text: string, name: string): boolean {
  // ASCII case folding: `| 0x20` turns exactly the letters A-Z into a-z, and no other character into a letter.
  for (let i = 0; i < name.length; i++) if ((text.charCodeAt(i) | 0x20) !== name.charCodeAt(i)) return false;
  return true;
}

/** Whether the header starts with the scheme `name` (any case) followed by a space or nothing. */
function isScheme(header: string, name: TokenScheme): boolean {
  const n = name.length;
  return (header.length === n || (header.length > n && header.charCodeAt(n) === 32)) && startsWithName(header, name);
}

// The scheme is case-insensitive (RFC 7235 §2.1); another scheme (Basic, ...) is not ours to judge.
// Compared in place: a slice and a lower-cased copy cost two strings per request.
function schemeOf(header: string, schemes: ReadonlySet<TokenScheme>): TokenScheme | undefined {
  for (const name of SCHEMES) if (isScheme(header, name)) return schemes.has(name) ? name : undefined;
  return undefined;
}

function fromHeader(
  value: string | string[] | undefined,
  schemes: ReadonlySet<TokenScheme>,
  verified: ((token: string) => boolean) | undefined,
): PresentedToken | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) throw new InvalidRequestError('malformed_authorization');
  const header = value.trim();
  const scheme = schemeOf(header, schemes);
  if (scheme === undefined) return undefined;
  const credentials = header.slice(scheme.length).trim();
  // A token identical to one that verified before passed this check then; the regex costs more
  // than the rest of a cached call's credential reading.
  if (credentials === '' || (verified?.(credentials) !== true && !B64TOKEN.test(credentials)))
    throw new InvalidRequestError('malformed_authorization');
  return { token: credentials, scheme };
}

// Node keeps only the first Authorization header of a request and drops the others, so two headers
// (a valid token and a forged one, say) can only be seen in the raw header list.
function countAuthorizationHeaders(raw: readonly string[]): number {
  let count = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i].length === 13 && startsWithName(raw[i], 'authorization')) count++;
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
  return (
    source.method !== 'GET' &&
    typeof type === 'string' &&
    type.toLowerCase().startsWith('application/x-www-form-urlencoded')
  );
}

/**
 * Returns the one access token of a request.
 * Throws {@link MissingTokenError} when there is none and {@link InvalidRequestError} when the header
 * is malformed or several tokens are present.
 */
export function extractToken(source: TokenSource, locations: ReadonlySet<TokenLocation>): string {
  return extractPresentedToken(source, locations, BEARER_ONLY).token;
}

/**
 * Returns the one access token of a request and its scheme: `Authorization: Bearer` or, when
 * `schemes` has it, `Authorization: DPoP` (RFC 9449 §7.1; never in the body or query).
 */
export function extractPresentedToken(
  source: TokenSource,
  locations: ReadonlySet<TokenLocation>,
  schemes: ReadonlySet<TokenScheme>,
  rawHeaders: readonly string[] | undefined = source.rawHeaders,
  verified?: (token: string) => boolean,
): PresentedToken {
  const authorization = source.headers.authorization;
  if (authorization !== undefined && rawHeaders && countAuthorizationHeaders(rawHeaders) > 1) {
    throw new InvalidRequestError('multiple_tokens');
  }
  let found = fromHeader(authorization, schemes, verified);
  if (locations.size === 0) {
    if (found === undefined) throw new MissingTokenError();
    return found;
  }
  const add = (token: string | undefined): void => {
    if (token === undefined) return;
    if (found !== undefined) throw new InvalidRequestError('multiple_tokens');
    found = { token, scheme: 'bearer' };
  };
  if (locations.has('body') && isFormRequest(source)) add(fromParameters(source.body));
  if (locations.has('query')) add(fromParameters(source.query));
  if (found === undefined) throw new MissingTokenError();
  return found;
}
