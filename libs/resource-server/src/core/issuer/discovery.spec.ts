// OpenID Connect Discovery 1.0 §4 and RFC 8414 §3, against a real local issuer: which documents are
// asked for, what is refused, and how outages are handled (single flight, retry interval, stale data).
import { afterAll, describe, expect, it } from '@jest/globals';
import { testRuntime, type TestRuntime } from '../../../../../test/helpers/test-runtime.js';
import {
  startLocalIssuer,
  type LocalIssuer,
  type LocalIssuerOptions,
} from '../../../../../test/helpers/issuer-server.js';
import { UpstreamError } from '../../errors/resource-server.error.js';
import { DiscoveryClient, discoveryUrls, isAcceptableEndpoint, type DiscoverySettings } from './discovery.js';
import { HttpClientError } from './http-client.js';

const messages = (runtime: TestRuntime, level: 'log' | 'error'): string[] =>
  runtime.lines.filter((l) => l.level === level).map((l) => l.message);

/**
 * Waits for the refresh the client runs in the background, if any. Stale-while-revalidate gives no
 * public handle on it; reading the private field is the only way to know it ended without sleeping.
 */
async function backgroundWork(client: DiscoveryClient): Promise<void> {
  expect('inflight' in client).toBe(true); // fails loudly if the field is ever renamed
  await (Reflect.get(client, 'inflight') as Promise<unknown> | undefined)?.catch(() => undefined);
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

const SETTINGS: DiscoverySettings = { cacheMaxAge: 60_000, retryInterval: 5_000 };

const servers: LocalIssuer[] = [];
async function issuer(options?: LocalIssuerOptions): Promise<LocalIssuer> {
  const server = await startLocalIssuer(options);
  servers.push(server);
  return server;
}
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

describe('discoveryUrls', () => {
  it.each([
    [
      'https://login.example.com',
      'https://login.example.com/.well-known/openid-configuration',
      'https://login.example.com/.well-known/oauth-authorization-server',
    ],
    [
      'https://login.example.com/',
      'https://login.example.com/.well-known/openid-configuration',
      'https://login.example.com/.well-known/oauth-authorization-server',
    ],
    [
      'https://login.example.com/tenant-a',
      'https://login.example.com/tenant-a/.well-known/openid-configuration',
      'https://login.example.com/.well-known/oauth-authorization-server/tenant-a',
    ],
    [
      'https://login.example.com/tenant-a/',
      'https://login.example.com/tenant-a/.well-known/openid-configuration',
      'https://login.example.com/.well-known/oauth-authorization-server/tenant-a',
    ],
    [
      'https://idp.example.com:8443/realms/dev',
      'https://idp.example.com:8443/realms/dev/.well-known/openid-configuration',
      'https://idp.example.com:8443/.well-known/oauth-authorization-server/realms/dev',
    ],
  ])('%s → OIDC appended, RFC 8414 §3.1 inserted', (iss, oidc, oauth) => {
    expect(discoveryUrls(iss)).toEqual([oidc, oauth]);
  });
});

describe('isAcceptableEndpoint', () => {
  it('accepts https, http on loopback, and http elsewhere only with allowInsecureRequests', () => {
    expect(isAcceptableEndpoint('https://idp.example.com/jwks', false)).toBe(true);
    expect(isAcceptableEndpoint('http://idp.example.com/jwks', false)).toBe(false);
    expect(isAcceptableEndpoint('http://0.0.0.0:8080/jwks', false)).toBe(false);
    expect(isAcceptableEndpoint('http://127.0.0.1:1/jwks', false)).toBe(true);
    expect(isAcceptableEndpoint('http://localhost:1/jwks', false)).toBe(true);
    expect(isAcceptableEndpoint('http://idp.example.com/jwks', true)).toBe(true);
  });

  it.each([
    undefined,
    null,
    42,
    '',
    'not a url',
    '/jwks',
    'javascript:alert(1)',
    'file:///etc/passwd',
    'ftp://idp.example.com/jwks',
  ])('refuses %p', (endpoint) => {
    expect(isAcceptableEndpoint(endpoint, false)).toBe(false);
  });
});

describe('DiscoveryClient: documents', () => {
  it('uses the OpenID Connect document and caches it', async () => {
    const iss = await issuer({ extraMetadata: { scopes_supported: ['openid'] } });
    const client = new DiscoveryClient(iss.issuer, SETTINGS, testRuntime());
    const metadata = await client.metadata();
    expect(metadata).toMatchObject({ issuer: iss.issuer, jwks_uri: iss.jwksUri, scopes_supported: ['openid'] });
    expect(iss.counts.discovery).toBe(1);
    await client.metadata();
    expect(iss.counts.discovery).toBe(1);
  });

  it.each([undefined, '/tenant-a'])(
    'falls back to RFC 8414 when the OIDC document is 404 (issuer path %p)',
    async (path) => {
      const iss = await issuer({ discovery: 'oauth', path });
      const client = new DiscoveryClient(iss.issuer, SETTINGS, testRuntime());
      expect((await client.metadata()).jwks_uri).toBe(iss.jwksUri);
      expect(iss.counts.discovery).toBe(2);
    },
  );

  it('answers 503 when neither document exists', async () => {
    const iss = await issuer({ discovery: 'none' });
    const error = await rejection(new DiscoveryClient(iss.issuer, SETTINGS, testRuntime()).metadata());
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ status: 503, code: 'discovery_unavailable' });
    expect(iss.counts.discovery).toBe(2);
  });

  it.each([
    ['another issuer', 'https://evil.example'],
    ['the issuer with a trailing slash', 'TRAILING'],
    ['no issuer', undefined],
  ])('refuses a document naming %s (OIDC Discovery §4.3, RFC 8414 §3.3)', async (_name, named) => {
    const iss = await issuer();
    iss.setMetadata({ issuer: named === 'TRAILING' ? `${iss.issuer}/` : named });
    const runtime = testRuntime();
    const error = await rejection(new DiscoveryClient(iss.issuer, SETTINGS, runtime).metadata());
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).cause).toEqual(
      expect.objectContaining({ message: expect.stringContaining('metadata names issuer') }),
    );
    expect(messages(runtime, 'error')).toEqual([expect.stringContaining('metadata names issuer')]);
  });
});

describe('DiscoveryClient: outages', () => {
  it.each([
    ['HTTP 500', 'status500', 'status'],
    ['a connection reset', 'reset', 'network'],
    ['a body that is not JSON', 'garbage', 'invalid_body'],
    ['an HTML login page', 'html', 'invalid_body'],
  ] as const)('answers 503 on %s, without trying RFC 8414', async (_name, fault, failure) => {
    const iss = await issuer();
    iss.setFault('discovery', fault);
    const error = await rejection(new DiscoveryClient(iss.issuer, SETTINGS, testRuntime()).metadata());
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({
      status: 503,
      code: 'discovery_unavailable',
      retryAfterSeconds: 5,
      bearerError: undefined,
    });
    expect((error as UpstreamError).cause).toBeInstanceOf(HttpClientError);
    expect((error as UpstreamError).cause).toMatchObject({ failure });
    expect(iss.counts.discovery).toBe(1);
  });

  it('answers 503 when the issuer does not answer within httpTimeoutMs', async () => {
    const iss = await issuer();
    iss.setFault('discovery', 'slow');
    const started = Date.now();
    const error = await rejection(new DiscoveryClient(iss.issuer, SETTINGS, testRuntime(50)).metadata());
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).cause).toMatchObject({ failure: 'timeout' });
    expect(iss.counts.discovery).toBe(1);
  });

  it('makes one request for 10 concurrent callers, on success and on failure', async () => {
    const iss = await issuer();
    const ok = new DiscoveryClient(iss.issuer, SETTINGS, testRuntime());
    const results = await Promise.all(Array.from({ length: 10 }, () => ok.metadata()));
    expect(new Set(results).size).toBe(1);
    expect(iss.counts.discovery).toBe(1);

    const down = await issuer();
    down.setFault('discovery', 'status500');
    const failing = new DiscoveryClient(down.issuer, SETTINGS, testRuntime());
    const settled = await Promise.allSettled(Array.from({ length: 10 }, () => failing.metadata()));
    expect(settled.every((r) => r.status === 'rejected' && r.reason instanceof UpstreamError)).toBe(true);
    expect(down.counts.discovery).toBe(1);
  });

  it('tries at most once per retryInterval while there is no metadata, and logs the episode once', async () => {
    const iss = await issuer();
    iss.setFault('discovery', 'status500');
    const runtime = testRuntime();
    const client = new DiscoveryClient(iss.issuer, SETTINGS, runtime);

    await expect(client.metadata()).rejects.toBeInstanceOf(UpstreamError);
    expect(iss.counts.discovery).toBe(1);
    for (let i = 0; i < 5; i++) {
      runtime.clock += 999; // 4 995 ms in all: still inside the 5 000 ms interval
      await expect(client.metadata()).rejects.toMatchObject({ code: 'discovery_unavailable', status: 503 });
    }
    expect(iss.counts.discovery).toBe(1);
    runtime.clock += 5;
    await expect(client.metadata()).rejects.toBeInstanceOf(UpstreamError);
    expect(iss.counts.discovery).toBe(2);
    expect(messages(runtime, 'error')).toEqual([
      expect.stringMatching(/^OpenID discovery for http:\/\/127\.0\.0\.1:\d+ unavailable: HTTP 500/),
    ]);

    iss.setFault('discovery', 'ok');
    runtime.clock += 5_000;
    expect((await client.metadata()).issuer).toBe(iss.issuer);
    expect(iss.counts.discovery).toBe(3);
    expect(messages(runtime, 'error')).toHaveLength(1);
    expect(messages(runtime, 'log')).toEqual([expect.stringMatching(/ available again after 10 s$/)]); // failing since the first attempt

    // A new outage is a new episode: logged again, once.
    iss.setFault('discovery', 'reset');
    const fresh = new DiscoveryClient(iss.issuer, SETTINGS, runtime);
    await expect(fresh.metadata()).rejects.toBeInstanceOf(UpstreamError);
    expect(messages(runtime, 'error')).toHaveLength(2);
  });

  it('serves stale metadata while background refreshes fail, then picks up the new document', async () => {
    const iss = await issuer();
    const runtime = testRuntime();
    const client = new DiscoveryClient(iss.issuer, SETTINGS, runtime);
    const first = await client.metadata();
    expect(iss.counts.discovery).toBe(1);

    // Fresh for cacheMaxAge: no request at exactly 60 000 ms.
    runtime.clock += 60_000;
    expect(await client.metadata()).toBe(first);
    await backgroundWork(client);
    expect(iss.counts.discovery).toBe(1);

    // Stale: the cached document answers at once, a refresh runs behind it and fails.
    iss.setFault('discovery', 'status500');
    runtime.clock += 1;
    expect(await client.metadata()).toBe(first);
    await backgroundWork(client);
    expect(iss.counts.discovery).toBe(2);
    expect(messages(runtime, 'error')).toHaveLength(1);

    // Within retryInterval: no further attempt, however many callers.
    runtime.clock += 4_999;
    for (let i = 0; i < 20; i++) expect(await client.metadata()).toBe(first);
    await backgroundWork(client);
    expect(iss.counts.discovery).toBe(2);

    // After it: one more attempt, still one log line for the episode.
    runtime.clock += 1;
    expect(await client.metadata()).toBe(first);
    await backgroundWork(client);
    expect(iss.counts.discovery).toBe(3);
    expect(messages(runtime, 'error')).toHaveLength(1);

    // Recovery: the refresh succeeds, the new document replaces the old one, logged once.
    iss.setFault('discovery', 'ok');
    iss.setMetadata({ userinfo_endpoint: `${iss.issuer}/v2/userinfo` });
    runtime.clock += 5_000;
    expect(await client.metadata()).toBe(first);
    await backgroundWork(client);
    expect(iss.counts.discovery).toBe(4);
    expect((await client.metadata()).userinfo_endpoint).toBe(`${iss.issuer}/v2/userinfo`);
    expect(messages(runtime, 'log')).toEqual([
      expect.stringMatching(/^OpenID discovery for .* available again after 10 s$/),
    ]);
    expect(messages(runtime, 'error')).toHaveLength(1);
  });
});
