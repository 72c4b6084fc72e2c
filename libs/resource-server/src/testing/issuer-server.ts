/**
 * A local authorization server, reduced to what a resource server talks to: the discovery document
 * (OpenID Connect Discovery or RFC 8414) and the JWKS. It runs as a real HTTP server on 127.0.0.1
 * with an ephemeral port, counts the requests it gets (so tests can assert caching and no-refetch
 * behaviour) and can be told to misbehave in the ways real issuers do.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestKey } from './keys.js';
import { answerWithFault, sendJson, type FaultMode } from './faults.js';

export type { FaultMode } from './faults.js';

/**
 * Options of {@link startLocalIssuer}.
 * @example
 * ```ts
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
 * const handler: RouteHandler = (_req, res) => void res.writeHead(500).end();
 * (await startLocalIssuer()).route('POST', '/introspect', handler);
 * ```
 */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/**
 * A running local issuer.
 * @example
 * ```ts
 * const issuer: LocalIssuer = await startLocalIssuer({ keys: [generateTestKey('RS256')] });
 * issuer.setFault('jwks', 'status500');
 * await issuer.close();
 * ```
 */
export interface LocalIssuer {
  /** `http://127.0.0.1:PORT{path}` */
  readonly issuer: string;
  /** `issuer + '/jwks'` */
  readonly jwksUri: string;
  /** Live counters: the same object is updated in place, also by {@link LocalIssuer.resetCounts}. */
  readonly counts: LocalIssuerCounts;
  /** Sets every counter to 0. */
  resetCounts(): void;
  /** Key rotation: replaces the published key set (public JWKs only). */
  setKeys(keys: TestKey[]): void;
  /** Publishes an arbitrary JWKS JSON body (e.g. with `oct` keys, or junk keys). */
  setJwks(body: unknown): void;
  /**
   * Makes discovery and/or JWKS requests misbehave until set back to 'ok'. 'slow' waits `delayMs`
   * (default 10 000) before answering normally; pending slow answers are dropped by {@link close}.
   */
  setFault(target: 'discovery' | 'jwks' | 'all', mode: FaultMode, options?: { delayMs?: number }): void;
  /**
   * Overrides discovery fields (e.g. a mismatching `issuer`, `jwks_uri` elsewhere). Patches
   * accumulate; a value of `undefined` removes the field from the document.
   */
  setMetadata(patch: Record<string, unknown>): void;
  /**
   * Generic route for later fakes (userinfo, introspection). `path` is relative to the issuer URL,
   * like the endpoints in the metadata (`route('POST', '/introspect', ...)` answers
   * `issuer + '/introspect'`). Routes win over the built-in discovery/JWKS handlers, but faults set
   * with {@link setFault} still apply first.
   */
  route(method: string, path: string, handler: RouteHandler): void;
  /** Closes the server and all sockets (keep-alive ones too) and clears pending slow timers. */
  close(): Promise<void>;
}

type FaultTarget = 'discovery' | 'jwks';
type Target = keyof LocalIssuerCounts;

const FAULT_MODES: readonly FaultMode[] = ['ok', 'status500', 'reset', 'garbage', 'slow', 'notFound', 'html'];

function normalizeIssuerPath(path: string | undefined): string {
  if (path === undefined || path === '' || path === '/') return '';
  if (!path.startsWith('/')) throw new TypeError(`Issuer path must start with '/': ${path}`);
  // A trailing slash would make issuer + '/jwks' contain '//' and the issuer string ambiguous.
  return path.replace(/\/+$/, '');
}


/**
 * Starts a local issuer on 127.0.0.1 (ephemeral port).
 *
 * - discovery 'oidc' (default): `GET {path}/.well-known/openid-configuration`.
 * - discovery 'oauth': only `GET /.well-known/oauth-authorization-server{path}` (RFC 8414 §3.1 path
 *   insertion); the OIDC location answers 404.
 * - discovery 'none': every discovery location answers 404.
 * - `GET {path}/jwks`: `{ keys: [publicJwk...] }` as application/json.
 *
 * Always `await issuer.close()` in `afterAll`, or Jest will not exit.
 * @example
 * ```ts
 * const issuer = await startLocalIssuer({ keys: [generateTestKey('ES256')] });
 * await issuer.close();
 * ```
 */
export async function startLocalIssuer(options: LocalIssuerOptions = {}): Promise<LocalIssuer> {
  const issuerPath = normalizeIssuerPath(options.path);
  const discoveryMode = options.discovery ?? 'oidc';
  const counts: LocalIssuerCounts = { discovery: 0, jwks: 0, userinfo: 0, introspection: 0, other: 0 };
  const faults: Record<FaultTarget, { mode: FaultMode; delayMs: number }> = {
    discovery: { mode: 'ok', delayMs: 0 },
    jwks: { mode: 'ok', delayMs: 0 },
  };
  const routes = new Map<string, RouteHandler>();
  const slowTimers = new Set<NodeJS.Timeout>();
  let jwksBody: unknown = { keys: (options.keys ?? []).map((k) => k.publicJwk) };
  let metadataPatch: Record<string, unknown> = {};
  // Filled in once the port is known; the request handler only runs after that.
  let issuer = '';

  const oidcLocation = `${issuerPath}/.well-known/openid-configuration`;
  const oauthLocation = `/.well-known/oauth-authorization-server${issuerPath}`;
  const servedDiscoveryLocation =
    discoveryMode === 'oidc' ? oidcLocation : discoveryMode === 'oauth' ? oauthLocation : undefined;

  function classify(pathname: string): Target {
    if (pathname.includes('/.well-known/')) return 'discovery';
    if (pathname === `${issuerPath}/jwks`) return 'jwks';
    if (pathname === `${issuerPath}/userinfo`) return 'userinfo';
    if (pathname === `${issuerPath}/introspect`) return 'introspection';
    return 'other';
  }

  function metadata(): Record<string, unknown> {
    const doc: Record<string, unknown> = {
      issuer,
      jwks_uri: `${issuer}/jwks`,
      token_endpoint: `${issuer}/token`,
      userinfo_endpoint: `${issuer}/userinfo`,
      introspection_endpoint: `${issuer}/introspect`,
      ...options.extraMetadata,
      ...metadataPatch,
    };
    return Object.fromEntries(Object.entries(doc).filter(([, v]) => v !== undefined));
  }

  /** The well-behaved answer (custom route, then built-ins). */
  function answer(req: IncomingMessage, res: ServerResponse, pathname: string, body: string): void {
    const method = (req.method ?? 'GET').toUpperCase();
    const handler = routes.get(`${method} ${pathname}`);
    if (handler) {
      handler(req, res, body);
      return;
    }
    const isRead = method === 'GET' || method === 'HEAD';
    if (pathname === servedDiscoveryLocation || pathname === `${issuerPath}/jwks`) {
      if (!isRead) {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      sendJson(res, 200, pathname === servedDiscoveryLocation ? metadata() : jwksBody);
      return;
    }
    sendJson(res, 404, { error: 'not_found', path: pathname });
  }

  function handle(req: IncomingMessage, res: ServerResponse, body: string): void {
    const pathname = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const target = classify(pathname);
    counts[target]++;

    const fault = target === 'discovery' || target === 'jwks' ? faults[target] : undefined;
    if (!fault || fault.mode === 'ok') answer(req, res, pathname, body);
    else answerWithFault(fault, { req, res, slowTimers, answer: () => answer(req, res, pathname, body), pathname });
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      try {
        handle(req, res, Buffer.concat(chunks).toString('utf8'));
      } catch (error) {
        // A throwing route handler must fail the test visibly, not hang the client until timeout.
        if (!res.headersSent) sendJson(res, 500, { error: 'helper_error', message: String(error) });
        else res.destroy();
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  issuer = `http://127.0.0.1:${port}${issuerPath}`;

  let closing: Promise<void> | undefined;

  return {
    issuer,
    jwksUri: `${issuer}/jwks`,
    counts,
    resetCounts() {
      for (const key of Object.keys(counts) as Target[]) counts[key] = 0;
    },
    setKeys(keys) {
      jwksBody = { keys: keys.map((k) => k.publicJwk) };
    },
    setJwks(body) {
      jwksBody = body;
    },
    setFault(target, mode, faultOptions) {
      if (!FAULT_MODES.includes(mode)) throw new TypeError(`Unknown fault mode: ${String(mode)}`);
      const fault = { mode, delayMs: faultOptions?.delayMs ?? 10_000 };
      for (const t of target === 'all' ? (['discovery', 'jwks'] as const) : [target]) faults[t] = { ...fault };
    },
    setMetadata(patch) {
      metadataPatch = { ...metadataPatch, ...patch };
    },
    route(method, path, handler) {
      if (!path.startsWith('/')) throw new TypeError(`Route path must start with '/': ${path}`);
      routes.set(`${method.toUpperCase()} ${issuerPath}${path}`, handler);
    },
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        for (const timer of slowTimers) clearTimeout(timer);
        slowTimers.clear();
        server.close((error) => (error ? reject(error) : resolve()));
        // server.close() alone waits for keep-alive and in-flight (slow) connections to end.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
