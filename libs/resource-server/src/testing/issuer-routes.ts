// The request side of the local issuer: which endpoint a request is for, the well-behaved answer
// (custom routes first, then discovery and the JWKS), and the faults set on discovery and the JWKS.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { answerWithFault, sendJson, type FaultMode } from './faults.js';
import type { TestKey } from './keys.js';

/**
 * Options of {@link startLocalIssuer}.
 * @example
 * ```ts
 * import { generateTestKey, startLocalIssuer, type LocalIssuerOptions } from 'nestjs-resource-server/testing';
 *
 * const options: LocalIssuerOptions = { keys: [generateTestKey('RS256')], discovery: 'oauth' };
 * const issuer = await startLocalIssuer(options);
 * ```
 */
export interface LocalIssuerOptions {
  /** Keys whose public JWKs are published at the JWKS endpoint (default: none). */
  keys?: TestKey[];
  /** Which discovery document is served: OIDC (default), RFC 8414 only, or none at all. */
  discovery?: 'oidc' | 'oauth' | 'none';
  /** Extra fields merged into the discovery document. */
  extraMetadata?: Record<string, unknown>;
  /** Issuer path suffix, e.g. '/tenant-a' (multi-tenant issuers; RFC 8414 §3.1 path insertion). */
  path?: string;
}

/**
 * Counters of requests received, per target.
 * @example
 * ```ts
 * import { startLocalIssuer, type LocalIssuerCounts } from 'nestjs-resource-server/testing';
 *
 * const issuer = await startLocalIssuer();
 * const counts: LocalIssuerCounts = issuer.counts; // counts.jwks after a request
 * ```
 */
export interface LocalIssuerCounts {
  /** Any request under a `/.well-known/` path, served or not (so a discovery fallback shows as 2). */
  discovery: number;
  jwks: number;
  userinfo: number;
  introspection: number;
  other: number;
}

/**
 * Route handler: `body` is the full request body as UTF-8 text.
 * @example
 * ```ts
 * import { startLocalIssuer, type RouteHandler } from 'nestjs-resource-server/testing';
 *
 * const handler: RouteHandler = (_req, res) => void res.writeHead(500).end();
 * (await startLocalIssuer()).route('POST', '/introspect', handler);
 * ```
 */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

export type FaultTarget = 'discovery' | 'jwks';
type Target = keyof LocalIssuerCounts;

export const FAULT_MODES: readonly FaultMode[] = ['ok', 'status500', 'reset', 'garbage', 'slow', 'notFound', 'html'];

/** The issuer path as configured: '' or '/segment' without a trailing slash. */
export function normalizeIssuerPath(path: string | undefined): string {
  if (path === undefined || path === '' || path === '/') return '';
  if (!path.startsWith('/')) throw new TypeError(`Issuer path must start with '/': ${path}`);
  // A trailing slash would make issuer + '/jwks' contain '//' and the issuer string ambiguous.
  return path.replace(/\/+$/, '');
}

/** Everything the local issuer answers with, and how. */
export class IssuerRoutes {
  readonly counts: LocalIssuerCounts = { discovery: 0, jwks: 0, userinfo: 0, introspection: 0, other: 0 };
  readonly faults: Record<FaultTarget, { mode: FaultMode; delayMs: number }> = {
    discovery: { mode: 'ok', delayMs: 0 },
    jwks: { mode: 'ok', delayMs: 0 },
  };
  readonly routes = new Map<string, RouteHandler>();
  readonly slowTimers = new Set<NodeJS.Timeout>();
  jwksBody: unknown;
  metadataPatch: Record<string, unknown> = {};
  /** Filled in once the port is known; requests are only handled after that. */
  issuer = '';
  private readonly servedDiscoveryLocation: string | undefined;

  constructor(
    readonly issuerPath: string,
    private readonly options: LocalIssuerOptions,
  ) {
    this.jwksBody = { keys: (options.keys ?? []).map((k) => k.publicJwk) };
    const mode = options.discovery ?? 'oidc';
    const oidcLocation = `${issuerPath}/.well-known/openid-configuration`;
    const oauthLocation = `/.well-known/oauth-authorization-server${issuerPath}`;
    this.servedDiscoveryLocation = mode === 'oidc' ? oidcLocation : mode === 'oauth' ? oauthLocation : undefined;
  }

  /** Counts the request and answers it, through its fault when one is set. */
  handle(req: IncomingMessage, res: ServerResponse, body: string): void {
    const pathname = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const target = this.classify(pathname);
    this.counts[target]++;
    const fault = target === 'discovery' || target === 'jwks' ? this.faults[target] : undefined;
    const answer = () => this.answer(req, res, pathname, body);
    if (!fault || fault.mode === 'ok') answer();
    else answerWithFault(fault, { req, res, slowTimers: this.slowTimers, answer, pathname });
  }

  private classify(pathname: string): Target {
    if (pathname.includes('/.well-known/')) return 'discovery';
    if (pathname === `${this.issuerPath}/jwks`) return 'jwks';
    if (pathname === `${this.issuerPath}/userinfo`) return 'userinfo';
    if (pathname === `${this.issuerPath}/introspect`) return 'introspection';
    return 'other';
  }

  private metadata(): Record<string, unknown> {
    const issuer = this.issuer;
    const doc: Record<string, unknown> = {
      issuer,
      jwks_uri: `${issuer}/jwks`,
      token_endpoint: `${issuer}/token`,
      userinfo_endpoint: `${issuer}/userinfo`,
      introspection_endpoint: `${issuer}/introspect`,
      ...this.options.extraMetadata,
      ...this.metadataPatch,
    };
    return Object.fromEntries(Object.entries(doc).filter(([, v]) => v !== undefined));
  }

  /** The well-behaved answer (custom route, then built-ins). */
  private answer(req: IncomingMessage, res: ServerResponse, pathname: string, body: string): void {
    const method = (req.method ?? 'GET').toUpperCase();
    const handler = this.routes.get(`${method} ${pathname}`);
    if (handler) return handler(req, res, body);
    const isRead = method === 'GET' || method === 'HEAD';
    if (pathname === this.servedDiscoveryLocation || pathname === `${this.issuerPath}/jwks`) {
      if (!isRead) return void res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return sendJson(res, 200, pathname === this.servedDiscoveryLocation ? this.metadata() : this.jwksBody);
    }
    sendJson(res, 404, { error: 'not_found', path: pathname });
  }
}
