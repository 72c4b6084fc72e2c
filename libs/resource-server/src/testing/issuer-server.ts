/**
 * A local authorization server, reduced to what a resource server talks to: the discovery document
 * (OpenID Connect Discovery or RFC 8414) and the JWKS. It runs as a real HTTP server on 127.0.0.1
 * with an ephemeral port, counts the requests it gets (so tests can assert caching and no-refetch
 * behaviour) and can be told to misbehave in the ways real issuers do.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestKey } from './keys.js';
import { sendJson, type FaultMode } from './faults.js';
import {
  FAULT_MODES,
  IssuerRoutes,
  normalizeIssuerPath,
  type LocalIssuerCounts,
  type LocalIssuerOptions,
  type RouteHandler,
} from './issuer-routes.js';

export type { LocalIssuerOptions, LocalIssuerCounts, RouteHandler } from './issuer-routes.js';

export type { FaultMode } from './faults.js';

/**
 * A running local issuer.
 * @example
 * ```ts
 * import { generateTestKey, startLocalIssuer, type LocalIssuer } from 'nestjs-resource-server/testing';
 *
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
 * import { generateTestKey, startLocalIssuer } from 'nestjs-resource-server/testing';
 *
 * const issuer = await startLocalIssuer({ keys: [generateTestKey('ES256')] });
 * await issuer.close();
 * ```
 */
export async function startLocalIssuer(options: LocalIssuerOptions = {}): Promise<LocalIssuer> {
  const state = new IssuerRoutes(normalizeIssuerPath(options.path), options);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      try {
        state.handle(req, res, Buffer.concat(chunks).toString('utf8'));
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
  state.issuer = `http://127.0.0.1:${port}${state.issuerPath}`;
  return issuerApi(state, server);
}

function issuerApi(state: IssuerRoutes, server: Server): LocalIssuer {
  const { issuer, counts, faults } = state;
  let closing: Promise<void> | undefined;
  return {
    issuer,
    jwksUri: `${issuer}/jwks`,
    counts,
    resetCounts() {
      for (const key of Object.keys(counts) as (keyof LocalIssuerCounts)[]) counts[key] = 0;
    },
    setKeys(keys) {
      state.jwksBody = { keys: keys.map((k) => k.publicJwk) };
    },
    setJwks(body) {
      state.jwksBody = body;
    },
    setFault(target, mode, faultOptions) {
      if (!FAULT_MODES.includes(mode)) throw new TypeError(`Unknown fault mode: ${String(mode)}`);
      const fault = { mode, delayMs: faultOptions?.delayMs ?? 10_000 };
      for (const t of target === 'all' ? (['discovery', 'jwks'] as const) : [target]) faults[t] = { ...fault };
    },
    setMetadata(patch) {
      state.metadataPatch = { ...state.metadataPatch, ...patch };
    },
    route(method, path, handler) {
      if (!path.startsWith('/')) throw new TypeError(`Route path must start with '/': ${path}`);
      state.routes.set(`${method.toUpperCase()} ${state.issuerPath}${path}`, handler);
    },
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        for (const timer of state.slowTimers) clearTimeout(timer);
        state.slowTimers.clear();
        server.close((error) => (error ? reject(error) : resolve()));
        // server.close() alone waits for keep-alive and in-flight (slow) connections to end.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
