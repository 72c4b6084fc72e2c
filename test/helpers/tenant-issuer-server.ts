/**
 * Several issuers on ONE local HTTP server, told apart by the first path segment, the way a
 * multi-tenant provider (Entra ID: `https://login.microsoftonline.com/{tenant}/v2.0`) serves them.
 * `startLocalIssuer` serves a single path per port, and a `{tenantid}` issuer template needs every
 * tenant on the same origin, hence this helper.
 *
 * Each tenant serves OpenID discovery at `/{tenant}/v2.0/.well-known/openid-configuration` (issuer
 * `{origin}/{tenant}/v2.0`, `jwks_uri` `{issuer}/jwks`) and its own JWKS; requests are counted per
 * tenant, and requests that match no tenant are counted too.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestKey } from './keys.js';

/** Requests one tenant received. */
export interface TenantCounts {
  discovery: number;
  jwks: number;
  other: number;
}

/** A running multi-tenant issuer server. */
export interface TenantIssuerServer {
  /** `http://127.0.0.1:PORT` */
  readonly origin: string;
  /** `{origin}/{tenantid}/v2.0`, the issuer template as an Entra multi-tenant app configures it. */
  readonly template: string;
  /** `{origin}/{tenant}/v2.0`, the issuer of one tenant (served or not). */
  issuerOf(tenant: string): string;
  /** Live counters of a served tenant. */
  counts(tenant: string): TenantCounts;
  /** Every request the server received, for any tenant or none. */
  total(): number;
  /** Sets every counter to 0. */
  resetCounts(): void;
  /** Closes the server and every socket. */
  close(): Promise<void>;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * Starts one server serving discovery and a JWKS for each tenant of `keysByTenant`.
 * @example
 * const tenants = await startTenantIssuers({ t1: [keyT1], t2: [keyT2] });
 * ResourceServerModule.forRoot({ issuer: tenants.template, tenants: ['t1', 't2'], audience: 'api' });
 */
export async function startTenantIssuers(keysByTenant: Record<string, TestKey[]>): Promise<TenantIssuerServer> {
  const tenants = new Map(
    Object.entries(keysByTenant).map(([tenant, keys]) => [
      tenant,
      { keys, counts: { discovery: 0, jwks: 0, other: 0 } },
    ]),
  );
  let total = 0;
  let origin = '';
  const issuerOf = (tenant: string) => `${origin}/${tenant}/v2.0`;

  const server = createServer((req, res) => {
    total++;
    const pathname = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const match = /^\/([^/]+)\/v2\.0(\/.*)$/.exec(pathname);
    const tenant = match ? tenants.get(match[1]!) : undefined;
    if (!match || !tenant) {
      sendJson(res, 404, { error: 'not_found' });
      return;
    }
    const issuer = issuerOf(match[1]!);
    if (match[2] === '/.well-known/openid-configuration') {
      tenant.counts.discovery++;
      sendJson(res, 200, { issuer, jwks_uri: `${issuer}/jwks` });
    } else if (match[2] === '/jwks') {
      tenant.counts.jwks++;
      sendJson(res, 200, { keys: tenant.keys.map((k) => k.publicJwk) });
    } else {
      tenant.counts.other++;
      sendJson(res, 404, { error: 'not_found' });
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  let closing: Promise<void> | undefined;
  return {
    origin,
    template: `${origin}/{tenantid}/v2.0`,
    issuerOf,
    counts(tenant) {
      const entry = tenants.get(tenant);
      if (!entry) throw new TypeError(`Tenant ${tenant} is not served`);
      return entry.counts;
    },
    total: () => total,
    resetCounts() {
      total = 0;
      for (const { counts } of tenants.values()) Object.assign(counts, { discovery: 0, jwks: 0, other: 0 });
    },
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
