// Startup validation: the defaults, and every refusal with the message that says what to set.
import { describe, expect, it } from '@jest/globals';
import type { ResourceServerModuleOptions } from '../../resource-server-options.interface.js';
import { DEFAULT_ALGORITHMS } from '../jose/algorithms.js';
import { ResourceServerConfigError, resolveConfig } from './config.js';
import { PROVIDER_PROFILES } from '../claims/providers.js';
import { isAcceptableEndpoint } from '../issuer/discovery.js';
import { isSecureEnough } from './config-checks.js';

const BASE: ResourceServerModuleOptions = { issuer: 'https://login.example.com/', audience: 'https://api.example.com' };

/** Resolves options that are deliberately wrong (hence `unknown`) and returns the listed problems. */
function problemsOf(options: unknown): string[] {
  try {
    resolveConfig(options as ResourceServerModuleOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(ResourceServerConfigError);
    const message = (error as Error).message;
    expect(message.startsWith('Invalid ResourceServerModule options:\n')).toBe(true);
    return message
      .split('\n')
      .slice(1)
      .map((line) => line.replace(/^ {2}- /, ''));
  }
  throw new Error('expected resolveConfig to refuse the options');
}

const withBase = (patch: Record<string, unknown>): unknown => ({ ...BASE, ...patch });

describe('resolveConfig: defaults', () => {
  it('fills every default from issuer and audience alone', () => {
    const config = resolveConfig(BASE);
    expect(config.issuers).toHaveLength(1);
    const [issuer] = config.issuers;
    expect(issuer).toEqual({
      issuer: 'https://login.example.com/',
      audiences: ['https://api.example.com'],
      jwksUri: undefined,
      algorithms: new Set(DEFAULT_ALGORITHMS),
      dpop: 'allowed',
      clockTolerance: 5,
      maxTokenAge: undefined,
      requiredClaims: [],
      strict: false,
      scopeClaims: ['scope', 'scp'],
      roleClaims: ['roles'],
      allowInsecureRequests: false,
      provider: 'generic',
      profile: PROVIDER_PROFILES.generic,
      audienceClaim: 'aud',
      checkTokenKind: true,
      requiredTenant: undefined,
      tenantClaim: 'tid',
    });
    expect(config.tokenLocations).toEqual(new Set());
    expect(config.maxTokenLength).toBe(8192);
    expect(config.realm).toBe('api');
    expect(config.httpTimeoutMs).toBe(5000);
    expect(config.warmUp).toBe(false);
    expect(config.keySet).toEqual({
      cacheMaxAge: 600_000,
      maxStaleAge: 43_200_000,
      refetchCooldown: 30_000,
      retryInterval: 5_000,
      negativeCacheTtl: 60_000,
      negativeCacheSize: 1000,
      maxKeys: 100,
    });
  });

  it('takes every option that is set', () => {
    const config = resolveConfig({
      ...BASE,
      audience: ['a', 'b'],
      jwksUri: 'https://login.example.com/keys',
      algorithms: ['ES256', 'EdDSA'],
      clockTolerance: 0,
      maxTokenAge: 3600,
      requiredClaims: ['sub'],
      strict: true,
      scopeClaims: ['permissions'],
      tokenLocations: ['body', 'query'],
      maxTokenLength: 4096,
      realm: 'orders-api',
      httpTimeoutMs: 2000,
      warmUp: true,
      keySet: {
        cacheMaxAgeMs: 1,
        maxStaleAgeMs: 2,
        refetchCooldownMs: 3,
        retryIntervalMs: 4,
        negativeCacheTtlMs: 5,
        negativeCacheSize: 6,
        maxKeys: 7,
      },
    });
    expect(config.issuers[0]).toMatchObject({
      audiences: ['a', 'b'],
      jwksUri: 'https://login.example.com/keys',
      algorithms: new Set(['ES256', 'EdDSA']),
      clockTolerance: 0,
      maxTokenAge: 3600,
      requiredClaims: ['sub'],
      strict: true,
      scopeClaims: ['permissions'],
    });
    expect(config).toMatchObject({ maxTokenLength: 4096, realm: 'orders-api', httpTimeoutMs: 2000, warmUp: true });
    expect(config.tokenLocations).toEqual(new Set(['body', 'query']));
    expect(config.keySet).toEqual({
      cacheMaxAge: 1,
      maxStaleAge: 2,
      refetchCooldown: 3,
      retryInterval: 4,
      negativeCacheTtl: 5,
      negativeCacheSize: 6,
      maxKeys: 7,
    });
  });

  it('accepts audience: false as an explicit opt-out of the audience check', () => {
    expect(resolveConfig({ ...BASE, audience: false }).issuers[0]!.audiences).toBe(false);
  });

  it('rounds counts down and keeps them at least 1', () => {
    const { keySet } = resolveConfig({ ...BASE, keySet: { maxKeys: 0, negativeCacheSize: 2.7 } });
    expect(keySet.maxKeys).toBe(1);
    expect(keySet.negativeCacheSize).toBe(2);
  });

  it.each([
    'http://localhost:8080/realms/dev',
    'http://127.0.0.1:3000',
    'http://127.10.0.1',
    'http://[::1]:8080/',
    'http://LOCALHOST/',
  ])('accepts a loopback http issuer %s without allowInsecureRequests', (issuer) => {
    expect(resolveConfig({ ...BASE, issuer }).issuers[0]!.issuer).toBe(issuer);
  });

  it('accepts a non-loopback http issuer and jwksUri only with allowInsecureRequests', () => {
    const config = resolveConfig({
      ...BASE,
      issuer: 'http://idp.internal',
      jwksUri: 'http://idp.internal/jwks',
      allowInsecureRequests: true,
    });
    expect(config.issuers[0]).toMatchObject({ issuer: 'http://idp.internal', allowInsecureRequests: true });
  });

  it('accepts the boundary values of bounded numbers', () => {
    expect(resolveConfig({ ...BASE, clockTolerance: 300 }).issuers[0]!.clockTolerance).toBe(300);
    expect(resolveConfig({ ...BASE, httpTimeoutMs: 120_000 }).httpTimeoutMs).toBe(120_000);
  });
});

describe('resolveConfig: refusals', () => {
  it.each<[string, unknown, RegExp]>([
    ['a missing issuer', { audience: 'a' }, /^`issuer` is required: set it to your identity provider's issuer URL/],
    ['an empty issuer', { issuer: '', audience: 'a' }, /^`issuer` is required/],
    ['an issuer that is not a string', { issuer: 42, audience: 'a' }, /^`issuer` is required/],
    [
      'an issuer that is not a URL',
      withBase({ issuer: 'login.example.com' }),
      /^`issuer` must be an absolute URL, e.g. https:\/\/login\.example\.com\/ \(got "login\.example\.com"\)$/,
    ],
    [
      'an http issuer that is not loopback',
      withBase({ issuer: 'http://login.example.com' }),
      /^`issuer` must use https \(http is accepted only for localhost, or with allowInsecureRequests: true\)$/,
    ],
    [
      'an http issuer on a localhost look-alike',
      withBase({ issuer: 'http://localhost.example.com' }),
      /^`issuer` must use https/,
    ],
    [
      'an http issuer on 127.0.0.1 look-alike',
      withBase({ issuer: 'http://127.0.0.1.nip.io' }),
      /^`issuer` must use https/,
    ],
    [
      'an ftp issuer, even with allowInsecureRequests',
      withBase({ issuer: 'ftp://login.example.com', allowInsecureRequests: true }),
      /^`issuer` must use https/,
    ],
    [
      'an http jwksUri that is not loopback',
      withBase({ jwksUri: 'http://login.example.com/jwks' }),
      /^`jwksUri` must use https/,
    ],
    [
      'allowInsecureRequests other than true',
      withBase({ issuer: 'http://login.example.com', allowInsecureRequests: 'yes' }),
      /^`issuer` must use https/,
    ],
    [
      'a missing audience',
      { issuer: BASE.issuer },
      /^`audience` is required: set it to the identifier of this API .*or to false to disable the audience check explicitly$/,
    ],
    ['an empty audience', withBase({ audience: '' }), /^`audience` is required/],
    ['an empty audience list', withBase({ audience: [] }), /^`audience` is required/],
    ['an audience list holding an empty string', withBase({ audience: ['a', ''] }), /^`audience` is required/],
    ['audience: true', withBase({ audience: true }), /^`audience` is required/],
    [
      'HS256',
      withBase({ algorithms: ['RS256', 'HS256'] }),
      /^`algorithms` contains HS256: a shared-secret MAC is never accepted with public keys$/,
    ],
    ["'none'", withBase({ algorithms: ['none'] }), /^`algorithms` contains "none"; supported: RS256, RS384/],
    ['an unknown algorithm', withBase({ algorithms: ['RSA-OAEP'] }), /^`algorithms` contains "RSA-OAEP"/],
    ['an empty algorithm list', withBase({ algorithms: [] }), /^`algorithms` must be a non-empty list/],
    ['algorithms that is not a list', withBase({ algorithms: 'RS256' }), /^`algorithms` must be a non-empty list/],
    [
      'a negative clockTolerance',
      withBase({ clockTolerance: -1 }),
      /^`clockTolerance` must be a number between 0 and 300 \(got -1\)$/,
    ],
    [
      'a clockTolerance above 300 s',
      withBase({ clockTolerance: 301 }),
      /^`clockTolerance` must be a number between 0 and 300 \(got 301\)$/,
    ],
    [
      'a clockTolerance given as a string',
      withBase({ clockTolerance: '5' }),
      /^`clockTolerance` must be a number between 0 and 300 \(got "5"\)$/,
    ],
    ['a NaN clockTolerance', withBase({ clockTolerance: NaN }), /^`clockTolerance` must be a number/],
    ['a negative maxTokenAge', withBase({ maxTokenAge: -5 }), /^`maxTokenAge` must be a number/],
    [
      'an empty scopeClaims',
      withBase({ scopeClaims: [] }),
      /^`scopeClaims` must be a non-empty array of non-empty strings$/,
    ],
    [
      'scopeClaims holding an empty string',
      withBase({ scopeClaims: ['scope', ''] }),
      /^`scopeClaims` must be a non-empty array/,
    ],
    ['scopeClaims as a string', withBase({ scopeClaims: 'scope' }), /^`scopeClaims` must be a non-empty array/],
    [
      'requiredClaims holding a number',
      withBase({ requiredClaims: ['sub', 1] }),
      /^`requiredClaims` must be an array of non-empty strings$/,
    ],
    [
      'an unknown token location',
      withBase({ tokenLocations: ['header'] }),
      /^`tokenLocations` may hold 'body' and 'query', not "header"$/,
    ],
    [
      'tokenLocations as a string',
      withBase({ tokenLocations: 'query' }),
      /^`tokenLocations` must be an array of non-empty strings$/,
    ],
    ['tokenLocations holding a non-string', withBase({ tokenLocations: [1] }), /^`tokenLocations` must be an array/],
    [
      'a realm with a quote',
      withBase({ realm: 'my "api"' }),
      /^`realm` must be printable ASCII without quotes or backslashes$/,
    ],
    ['a realm with a backslash', withBase({ realm: 'a\\b' }), /^`realm` must be printable ASCII/],
    [
      'a realm with a newline (header injection)',
      withBase({ realm: 'api\r\nSet-Cookie: x=1' }),
      /^`realm` must be printable ASCII/,
    ],
    ['an empty realm', withBase({ realm: '' }), /^`realm` must be printable ASCII/],
    ['a non-ASCII realm', withBase({ realm: 'api-é' }), /^`realm` must be printable ASCII/],
    [
      'a negative cacheMaxAgeMs',
      withBase({ keySet: { cacheMaxAgeMs: -1 } }),
      /^`keySet\.cacheMaxAgeMs` must be a number/,
    ],
    [
      'a string retryIntervalMs',
      withBase({ keySet: { retryIntervalMs: '5s' } }),
      /^`keySet\.retryIntervalMs` must be a number/,
    ],
    [
      'a negativeCacheSize above 1 000 000',
      withBase({ keySet: { negativeCacheSize: 2_000_000 } }),
      /^`keySet\.negativeCacheSize` must be a number between 0 and 1000000/,
    ],
    [
      'maxKeys above 10 000',
      withBase({ keySet: { maxKeys: 10_001 } }),
      /^`keySet\.maxKeys` must be a number between 0 and 10000/,
    ],
    [
      'an httpTimeoutMs above 2 minutes',
      withBase({ httpTimeoutMs: 120_001 }),
      /^`httpTimeoutMs` must be a number between 1 and 120000/,
    ],
    [
      'a maxTokenLength above 1 MiB',
      withBase({ maxTokenLength: 2_000_000 }),
      /^`maxTokenLength` must be a number between 16 and 1048576/,
    ],
    [
      'an httpTimeoutMs of 0 (every call would abort)',
      withBase({ httpTimeoutMs: 0 }),
      /^`httpTimeoutMs` must be a number between 1 and/,
    ],
    [
      'a maxTokenLength of 0 (every token refused)',
      withBase({ maxTokenLength: 0 }),
      /^`maxTokenLength` must be a number between 16 and/,
    ],
    [
      'a maxStaleAgeMs shorter than cacheMaxAgeMs',
      withBase({ keySet: { cacheMaxAgeMs: 60_000, maxStaleAgeMs: 1_000 } }),
      /^`keySet\.maxStaleAgeMs` must not be shorter than/,
    ],
    [
      'a verifiedTokenCache size that is not a number',
      withBase({ verifiedTokenCache: { maxEntries: 'many' } }),
      /^`verifiedTokenCache\.maxEntries` must be a number/,
    ],
  ])('refuses %s', (_name, options, message) => {
    const problems = problemsOf(options);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  it('lists every problem at once', () => {
    const problems = problemsOf({
      issuer: 'http://login.example.com',
      algorithms: ['HS256', 'none'],
      clockTolerance: 1000,
      realm: '"',
      tokenLocations: ['cookie'],
    });
    expect(problems).toHaveLength(7);
    expect(problems.join('\n')).toMatch(/`issuer` must use https/);
    expect(problems.join('\n')).toMatch(/`audience` is required/);
    expect(problems.join('\n')).toMatch(/contains HS256/);
    expect(problems.join('\n')).toMatch(/contains "none"/);
    expect(problems.join('\n')).toMatch(/`clockTolerance`/);
    expect(problems.join('\n')).toMatch(/`realm`/);
    expect(problems.join('\n')).toMatch(/not "cookie"/);
  });

  it('refuses no options at all, naming issuer and audience', () => {
    const problems = problemsOf(undefined);
    expect(problems).toEqual([
      expect.stringMatching(/^`issuer` is required/),
      expect.stringMatching(/^`audience` is required/),
    ]);
  });

  it('throws a named ResourceServerConfigError', () => {
    let thrown: unknown;
    try {
      resolveConfig({} as ResourceServerModuleOptions);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ResourceServerConfigError);
    expect((thrown as Error).name).toBe('ResourceServerConfigError');
  });
});

describe('resolveConfig: verified-token cache', () => {
  it('is on with 10 000 entries by default, sized by maxEntries, and off with false', () => {
    expect(resolveConfig(BASE).verifiedTokenCacheSize).toBe(10_000);
    expect(resolveConfig({ ...BASE, verifiedTokenCache: { maxEntries: 50 } }).verifiedTokenCacheSize).toBe(50);
    expect(resolveConfig({ ...BASE, verifiedTokenCache: false }).verifiedTokenCacheSize).toBe(0);
  });
});

describe('resolveConfig: credentials, queries and fragments in URLs', () => {
  const SECRET = 's3cr3t-pw';
  const OPAQUE = { tokenType: 'opaque', introspection: { clientId: 'api', clientSecret: 'x' } };

  // Regression: an issuer with user:pass@, a query or a fragment was accepted; the app then answered
  // 503 for ever (no token names such an issuer, discovery fails) and logged the credentials.
  it.each<[string, unknown, RegExp]>([
    [
      'an issuer with user:password@',
      withBase({ issuer: `https://admin:${SECRET}@login.example.com/` }),
      /^`issuer` must not contain credentials \(user:password@\)/,
    ],
    [
      'an issuer with a user only',
      withBase({ issuer: 'https://admin@login.example.com/' }),
      /^`issuer` must not contain credentials/,
    ],
    [
      'an issuer with an empty userinfo',
      withBase({ issuer: 'https://@login.example.com/' }),
      /^`issuer` must not contain credentials/,
    ],
    [
      'an issuer with a query',
      withBase({ issuer: 'https://login.example.com/?tenant=a' }),
      /^`issuer` must not have a query or a fragment: set it exactly as in the tokens' "iss" claim \(RFC 8414 §2\)$/,
    ],
    [
      'an issuer with an empty query',
      withBase({ issuer: 'https://login.example.com/?' }),
      /^`issuer` must not have a query or a fragment/,
    ],
    [
      'an issuer with a fragment',
      withBase({ issuer: 'https://login.example.com/#x' }),
      /^`issuer` must not have a query or a fragment/,
    ],
    [
      'a loopback http issuer with credentials',
      withBase({ issuer: `http://u:${SECRET}@localhost:3000` }),
      /^`issuer` must not contain credentials/,
    ],
    [
      'one of several issuers with credentials',
      { issuers: [{ issuer: `https://u:${SECRET}@a.example.com/`, audience: 'a' }] },
      /^`issuers\[0\]\.issuer` must not contain credentials/,
    ],
    [
      'a jwksUri with credentials',
      withBase({ jwksUri: `https://u:${SECRET}@login.example.com/jwks` }),
      /^`jwksUri` must not contain credentials/,
    ],
    [
      'an introspection endpoint with credentials',
      withBase({
        ...OPAQUE,
        introspection: { ...OPAQUE.introspection, endpoint: `https://u:${SECRET}@login.example.com/introspect` },
      }),
      /^`introspection\.endpoint` must not contain credentials/,
    ],
    [
      'a userinfo endpoint with credentials',
      withBase({ userInfo: { endpoint: `https://u:${SECRET}@login.example.com/userinfo` } }),
      /^`userInfo\.endpoint` must not contain credentials/,
    ],
  ])('refuses %s, without echoing the password', (_name, options, message) => {
    const problems = problemsOf(options);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
    expect(problems[0]).not.toContain(SECRET);
  });

  it('keeps accepting a query in an endpoint (only the issuer must be exact), and an @ in a path', () => {
    expect(() =>
      resolveConfig({
        ...BASE,
        jwksUri: 'https://login.example.com/keys?format=jwks',
        userInfo: { endpoint: 'https://login.example.com/users/@me' },
      }),
    ).not.toThrow();
  });
});

describe('the URL rule for endpoints an issuer publishes', () => {
  // Regression: a discovery document naming https://user:pass@host/... was called (and logged).
  it.each([
    ['https://u:p@login.example.com/jwks', false],
    ['https://u@login.example.com/jwks', false],
    ['http://u:p@localhost:3000/jwks', false],
    ['https://login.example.com/jwks', true],
    ['http://localhost:3000/jwks', true],
  ])('%s acceptable: %p', (endpoint, acceptable) => {
    expect(isAcceptableEndpoint(endpoint, true)).toBe(acceptable);
    expect(isSecureEnough(new URL(endpoint), true)).toBe(acceptable);
  });
});

describe('resolveConfig: introspection limits', () => {
  const OPAQUE = { tokenType: 'auto', introspection: { clientId: 'api', clientSecret: 'x' } } as const;

  it('defaults to 10 concurrent calls and 50 calls per second, and takes what is set', () => {
    expect(resolveConfig({ ...BASE, ...OPAQUE }).introspection).toMatchObject({
      maxConcurrent: 10,
      maxRequestsPerSecond: 50,
    });
    const set = resolveConfig({
      ...BASE,
      ...OPAQUE,
      introspection: { ...OPAQUE.introspection, maxConcurrent: 2.9, maxRequestsPerSecond: 0.5 },
    });
    expect(set.introspection).toMatchObject({ maxConcurrent: 2, maxRequestsPerSecond: 0.5 });
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    [
      'maxConcurrent 0 (every opaque token refused)',
      { maxConcurrent: 0 },
      /^`introspection\.maxConcurrent` must be a number between 1 and 10000 \(got 0\)$/,
    ],
    ['maxConcurrent as a string', { maxConcurrent: '10' }, /^`introspection\.maxConcurrent` must be a number/],
    [
      'maxRequestsPerSecond 0',
      { maxRequestsPerSecond: 0 },
      /^`introspection\.maxRequestsPerSecond` must be a number between 0\.01 and 1000000 \(got 0\)$/,
    ],
    [
      'maxRequestsPerSecond Infinity',
      { maxRequestsPerSecond: Infinity },
      /^`introspection\.maxRequestsPerSecond` must be a number/,
    ],
  ])('refuses %s', (_name, patch, message) => {
    const problems = problemsOf({ ...BASE, ...OPAQUE, introspection: { ...OPAQUE.introspection, ...patch } });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });
});
