// An OpenID provider for tests, in process: discovery, JWKS with rotation, tokens minted on demand
// (JWT and opaque), RFC 7662 introspection of its opaque tokens and OIDC userinfo, on 127.0.0.1.
import { randomBytes, randomUUID } from 'node:crypto';
import type { ResourceServerModuleOptions } from '../resource-server-options.interface.js';
import { sendJson } from './faults.js';
import { startLocalIssuer, type LocalIssuer, type LocalIssuerOptions } from './issuer-server.js';
import { generateTestKey, type TestAlg, type TestKey } from './keys.js';
import { signJwt, nowSeconds } from './tokens.js';

/**
 * What a minted token says. Every field is optional.
 * @example
 * ```ts
 * import { createTestIssuer, type TestTokenOptions } from 'nestjs-resource-server/testing';
 *
 * const issuer = await createTestIssuer();
 * const token = issuer.token({ sub: 'ada', scopes: ['read:messages'], roles: ['auditor'], expiresIn: 60 } satisfies TestTokenOptions);
 * ```
 */
export interface TestTokenOptions {
  /** `sub`. @default 'test-user' */
  sub?: string;
  /** Granted scopes, sent as the space-separated `scope` claim. @default [] */
  scopes?: readonly string[];
  /** Roles, sent as the `roles` claim when given. */
  roles?: readonly string[];
  /** `aud`: one or several audiences. @default the issuer's audience */
  audience?: string | readonly string[];
  /** Seconds until `exp`, from now; negative for a token that already expired. @default 300 */
  expiresIn?: number;
  /** `client_id`. @default 'test-client' */
  clientId?: string;
  /** More claims, laid over the ones above (`undefined` removes a claim). */
  claims?: Record<string, unknown>;
  /** More JOSE header fields, e.g. `{ typ: 'at+jwt' }` (`undefined` removes one). */
  header?: Record<string, unknown>;
}

/**
 * Options of {@link createTestIssuer}.
 * @example
 * ```ts
 * import { createTestIssuer, type TestIssuerOptions } from 'nestjs-resource-server/testing';
 *
 * const issuer = await createTestIssuer({ audience: 'https://api.example.com', alg: 'ES256', userInfo: { email: 'ada@example.com' } } satisfies TestIssuerOptions);
 * ```
 */
export interface TestIssuerOptions extends Pick<LocalIssuerOptions, 'discovery' | 'path'> {
  /** The API's audience, put in every token and in {@link TestIssuer.moduleOptions}. @default 'https://api.test' */
  audience?: string;
  /** Signing algorithm of the issuer's keys. @default 'RS256' */
  alg?: TestAlg;
  /** Claims the userinfo endpoint answers with, besides `sub`. @default { name: 'Test User' } */
  userInfo?: Record<string, unknown>;
}

/**
 * A running test issuer. Everything {@link LocalIssuer} has (faults, counters, routes), plus tokens.
 * @example
 * ```ts
 * import { createTestIssuer, type TestIssuer } from 'nestjs-resource-server/testing';
 *
 * const issuer: TestIssuer = await createTestIssuer();
 * const token = issuer.opaqueToken({ scopes: ['read'] });
 * issuer.rotateKeys();
 * await issuer.close();
 * ```
 */
export interface TestIssuer extends LocalIssuer {
  readonly audience: string;
  /** Client credentials the introspection endpoint accepts (and {@link moduleOptions} uses). */
  readonly client: { readonly clientId: string; readonly clientSecret: string };
  /** The key tokens are signed with now. */
  readonly currentKey: TestKey;
  /** A signed JWT access token. */
  token(options?: TestTokenOptions): string;
  /** An opaque access token its introspection endpoint knows (active until it expires). */
  opaqueToken(options?: TestTokenOptions): string;
  /** A token that expired a minute ago. */
  expiredToken(options?: TestTokenOptions): string;
  /** A token for another audience. */
  wrongAudienceToken(options?: TestTokenOptions): string;
  /** A token with the current key's `kid`, signed by a key the issuer never published. */
  forgedToken(options?: TestTokenOptions): string;
  /** Publishes a new signing key; the old one stays published unless `keepPrevious` is false. */
  rotateKeys(options?: { keepPrevious?: boolean }): TestKey;
  /**
   * Module options pointing at this issuer, with your overrides: its audience, JWTs and its opaque
   * tokens (`tokenType: 'auto'`, its introspection client), no cooldown before a rotated key is fetched.
   */
  moduleOptions(overrides?: Partial<ResourceServerModuleOptions>): ResourceServerModuleOptions;
}

/**
 * Starts a test issuer on an ephemeral loopback port. Close it after the tests (`await issuer.close()`).
 * @example
 * ```ts
 * import { createTestIssuer } from 'nestjs-resource-server/testing';
 *
 * const issuer = await createTestIssuer({ audience: 'https://api.example.com' });
 * const token = issuer.token({ scopes: ['read:messages'] });
 * await issuer.close();
 * ```
 */
export async function createTestIssuer(options: TestIssuerOptions = {}): Promise<TestIssuer> {
  const audience = options.audience ?? 'https://api.test';
  const alg = options.alg ?? 'RS256';
  let keys = [generateTestKey(alg)];
  const local = await startLocalIssuer({ keys, discovery: options.discovery, path: options.path });
  const client = { clientId: 'test-client', clientSecret: randomBytes(12).toString('base64url') };
  // Every token minted, for introspection and userinfo; bounded like everything else.
  const minted = new Map<string, Record<string, unknown>>();
  const remember = (token: string, claims: Record<string, unknown>): string => {
    if (minted.size >= 10_000) minted.delete(minted.keys().next().value!);
    minted.set(token, claims);
    return token;
  };
  const claimsOf = (o?: TestTokenOptions) => claimsFor(local.issuer, audience, o);
  const sign = (o?: TestTokenOptions, key = keys[0]) => {
    const claims = claimsOf(o);
    return remember(signJwt(key, claims, o?.header), claims);
  };
  serveIntrospection(local, client, minted);
  serveUserInfo(local, minted, options.userInfo ?? { name: 'Test User' });
  const issuer = Object.assign(local, {
    audience,
    client,
    currentKey: keys[0],
    token: (o?: TestTokenOptions) => sign(o),
    opaqueToken: (o?: TestTokenOptions) => remember(randomBytes(24).toString('base64url'), claimsOf(o)),
    expiredToken: (o?: TestTokenOptions) => sign({ ...o, expiresIn: -60 }),
    wrongAudienceToken: (o?: TestTokenOptions) => sign({ ...o, audience: 'https://another-api.test' }),
    // Signed by an unpublished key under the current kid: only a signature check can tell.
    forgedToken: (o?: TestTokenOptions) =>
      signJwt({ ...generateTestKey(alg), kid: keys[0].kid }, claimsOf(o), o?.header),
    rotateKeys({ keepPrevious = true }: { keepPrevious?: boolean } = {}) {
      keys = keepPrevious ? [generateTestKey(alg), ...keys] : [generateTestKey(alg)];
      local.setKeys(keys);
      return keys[0];
    },
    moduleOptions: (overrides: Partial<ResourceServerModuleOptions> = {}): ResourceServerModuleOptions => ({
      issuer: local.issuer,
      audience,
      tokenType: 'auto',
      introspection: { ...client },
      // A rotated key is looked up at once: tests rotate within seconds, not hours.
      keySet: { refetchCooldownMs: 0 },
      ...overrides,
    }),
  });
  return Object.defineProperty(issuer, 'currentKey', { get: () => keys[0] });
}

/** The claims of a minted token. */
function claimsFor(iss: string, audience: string, o: TestTokenOptions = {}): Record<string, unknown> {
  const now = nowSeconds();
  return {
    iss,
    aud: o.audience ?? audience,
    sub: o.sub ?? 'test-user',
    client_id: o.clientId ?? 'test-client',
    iat: now,
    exp: now + (o.expiresIn ?? 300),
    jti: randomUUID(),
    ...(o.scopes ? { scope: o.scopes.join(' ') } : {}),
    ...(o.roles ? { roles: [...o.roles] } : {}),
    ...o.claims,
  };
}

function bearerOf(header: string | undefined): string | undefined {
  return /^Bearer (\S+)$/i.exec(header ?? '')?.[1];
}

/** RFC 7662 at `{issuer}/introspect`: the issuer's own opaque tokens are active until they expire. */
function serveIntrospection(
  local: LocalIssuer,
  client: TestIssuer['client'],
  minted: Map<string, Record<string, unknown>>,
): void {
  const basic = `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`;
  local.route('POST', '/introspect', (req, res, body) => {
    const form = new URLSearchParams(body);
    const authenticated =
      req.headers.authorization === basic ||
      (form.get('client_id') === client.clientId && form.get('client_secret') === client.clientSecret);
    if (!authenticated) return sendJson(res, 401, { error: 'invalid_client' });
    const token = form.get('token') ?? '';
    const claims = minted.get(token);
    const active = claims !== undefined && token.split('.').length === 1 && (claims.exp as number) > nowSeconds();
    sendJson(res, 200, active ? { active: true, token_type: 'Bearer', ...claims } : { active: false });
  });
}

/** OIDC userinfo at `{issuer}/userinfo` for any live token the issuer minted. */
function serveUserInfo(
  local: LocalIssuer,
  minted: Map<string, Record<string, unknown>>,
  extra: Record<string, unknown>,
): void {
  local.route('GET', '/userinfo', (req, res) => {
    const token = bearerOf(req.headers.authorization);
    const claims = token === undefined ? undefined : minted.get(token);
    if (!claims || (claims.exp as number) <= nowSeconds()) {
      res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end();
      return;
    }
    sendJson(res, 200, { sub: claims.sub, ...extra });
  });
}
