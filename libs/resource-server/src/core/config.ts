// Turns the user's options into the resolved configuration the core runs on, and refuses, at startup,
// anything that would make the resource server insecure or unusable, saying what to set instead.
import type { IntrospectionOptions, ResourceServerModuleOptions, UserInfoOptions } from '../resource-server-options.interface.js';
import type { IntrospectionConfig } from './introspection.js';
import { DEFAULT_ALGORITHMS, SUPPORTED_ALGORITHMS, isSupportedAlgorithm, type JwsAlgorithm } from './algorithms.js';
import type { ClaimRules } from './claims.js';
import type { KeyStoreSettings } from './key-store.js';
import type { TokenLocation } from './token-extractor.js';

/** One trusted issuer, resolved. */
export interface IssuerConfig extends ClaimRules {
  readonly jwksUri: string | undefined;
  readonly algorithms: ReadonlySet<JwsAlgorithm>;
  readonly scopeClaims: readonly string[];
  readonly allowInsecureRequests: boolean;
}

/** Userinfo settings, resolved. */
export interface UserInfoConfig {
  readonly endpoint: string | undefined;
  readonly cacheTtlMs: number;
  readonly cacheMaxEntries: number;
  readonly store: 'memory' | 'cache-manager';
  readonly tokenClaims: 'ignore' | 'fallback' | 'merge';
  readonly timeoutMs: number;
}

/** The whole resolved configuration. */
export interface ResolvedConfig {
  readonly issuers: readonly IssuerConfig[];
  readonly tokenLocations: ReadonlySet<TokenLocation>;
  readonly maxTokenLength: number;
  readonly realm: string;
  readonly httpTimeoutMs: number;
  readonly keySet: KeyStoreSettings;
  readonly warmUp: boolean;
  /** Verified-token cache size; 0 when disabled. */
  readonly verifiedTokenCacheSize: number;
  readonly userInfo: UserInfoConfig;
  readonly tokenType: 'jwt' | 'opaque' | 'auto';
  readonly introspection: IntrospectionConfig | undefined;
}

/** Thrown at startup for options that cannot work; the message says what to set. */
export class ResourceServerConfigError extends Error {
  constructor(problems: readonly string[]) {
    super(`Invalid ResourceServerModule options:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ResourceServerConfigError';
  }
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

function checkUrl(name: string, value: unknown, insecureOk: boolean, problems: string[]): void {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    problems.push(`\`${name}\` must be an absolute URL, e.g. https://login.example.com/ (got ${JSON.stringify(value)})`);
    return;
  }
  if (url.protocol === 'https:') return;
  if (url.protocol === 'http:' && (insecureOk || LOOPBACK.test(url.hostname))) return;
  problems.push(`\`${name}\` must use https (http is accepted only for localhost, or with allowInsecureRequests: true)`);
}

function positive(name: string, value: unknown, fallback: number, problems: string[], max = Number.MAX_SAFE_INTEGER, min = 0): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    problems.push(`\`${name}\` must be a number between ${min} and ${max} (got ${JSON.stringify(value)})`);
    return fallback;
  }
  return value;
}

function stringList(name: string, value: unknown, fallback: readonly string[], problems: string[], allowEmpty = true): readonly string[] {
  if (value === undefined) return fallback;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v !== '') || (!allowEmpty && value.length === 0)) {
    problems.push(`\`${name}\` must be a${allowEmpty ? 'n' : ' non-empty'} array of non-empty strings`);
    return fallback;
  }
  return value as string[];
}

function resolveAudience(value: unknown, problems: string[]): readonly string[] | false {
  if (value === false) return false;
  if (typeof value === 'string' && value !== '') return [value];
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string' && v !== '')) return value;
  problems.push(
    '`audience` is required: set it to the identifier of this API at your identity provider (a string or a list), ' +
      'or to false to disable the audience check explicitly',
  );
  return false;
}

function resolveAlgorithms(value: unknown, problems: string[]): ReadonlySet<JwsAlgorithm> {
  if (value === undefined) return new Set(DEFAULT_ALGORITHMS);
  if (!Array.isArray(value) || value.length === 0) {
    problems.push('`algorithms` must be a non-empty list, e.g. [\'RS256\']');
    return new Set(DEFAULT_ALGORITHMS);
  }
  for (const alg of value) {
    if (typeof alg === 'string' && /^HS\d+$/.test(alg)) {
      problems.push(`\`algorithms\` contains ${alg}: a shared-secret MAC is never accepted with public keys`);
    } else if (!isSupportedAlgorithm(alg)) {
      problems.push(`\`algorithms\` contains ${JSON.stringify(alg)}; supported: ${SUPPORTED_ALGORITHMS.join(', ')}`);
    }
  }
  return new Set(value.filter(isSupportedAlgorithm));
}

function resolveUserInfo(u: UserInfoOptions, httpTimeoutMs: number, insecureOk: boolean, problems: string[]): UserInfoConfig {
  if (u.endpoint !== undefined) checkUrl('userInfo.endpoint', u.endpoint, insecureOk, problems);
  const store = u.store ?? 'memory';
  if (store !== 'memory' && store !== 'cache-manager') problems.push("`userInfo.store` must be 'memory' or 'cache-manager'");
  const tokenClaims = u.tokenClaims ?? 'ignore';
  if (!['ignore', 'fallback', 'merge'].includes(tokenClaims)) problems.push("`userInfo.tokenClaims` must be 'ignore', 'fallback' or 'merge'");
  return {
    endpoint: u.endpoint,
    cacheTtlMs: positive('userInfo.cacheTtlMs', u.cacheTtlMs, 300_000, problems),
    cacheMaxEntries: Math.floor(positive('userInfo.cacheMaxEntries', u.cacheMaxEntries, 10_000, problems, 10_000_000, 1)),
    store,
    tokenClaims,
    timeoutMs: positive('userInfo.timeoutMs', u.timeoutMs, httpTimeoutMs, problems, 120_000, 1),
  };
}

function resolveIntrospection(
  tokenType: string,
  i: IntrospectionOptions | undefined,
  httpTimeoutMs: number,
  insecureOk: boolean,
  problems: string[],
): IntrospectionConfig | undefined {
  if (tokenType === 'jwt' && i === undefined) return undefined;
  if (typeof i?.clientId !== 'string' || i.clientId === '' || typeof i.clientSecret !== 'string' || i.clientSecret === '') {
    problems.push(
      `\`tokenType: '${tokenType}'\` needs \`introspection: { clientId, clientSecret }\`: the credentials this API uses at the issuer's introspection endpoint`,
    );
    return undefined;
  }
  if (i.endpoint !== undefined) checkUrl('introspection.endpoint', i.endpoint, insecureOk, problems);
  const method = i.clientAuthMethod ?? 'client_secret_basic';
  if (method !== 'client_secret_basic' && method !== 'client_secret_post') {
    problems.push("`introspection.clientAuthMethod` must be 'client_secret_basic' or 'client_secret_post'");
  }
  const store = i.store ?? 'memory';
  if (store !== 'memory' && store !== 'cache-manager') problems.push("`introspection.store` must be 'memory' or 'cache-manager'");
  return {
    endpoint: i.endpoint,
    clientId: i.clientId,
    clientSecret: i.clientSecret,
    clientAuthMethod: method,
    timeoutMs: positive('introspection.timeoutMs', i.timeoutMs, httpTimeoutMs, problems, 120_000, 1),
    cacheTtlMs: positive('introspection.cacheTtlMs', i.cacheTtlMs, 60_000, problems),
    inactiveCacheTtlMs: positive('introspection.inactiveCacheTtlMs', i.inactiveCacheTtlMs, 5_000, problems),
    cacheMaxEntries: Math.floor(positive('introspection.cacheMaxEntries', i.cacheMaxEntries, 10_000, problems, 10_000_000, 1)),
    store,
  };
}

/** Validates and resolves the module options. Throws {@link ResourceServerConfigError} listing every problem. */
export function resolveConfig(options: ResourceServerModuleOptions): ResolvedConfig {
  const problems: string[] = [];
  const o = (options ?? {}) as Partial<ResourceServerModuleOptions>;
  const insecureOk = o.allowInsecureRequests === true;
  if (typeof o.issuer !== 'string' || o.issuer === '') {
    problems.push('`issuer` is required: set it to your identity provider\'s issuer URL, exactly as in the tokens\' "iss" claim');
  } else {
    checkUrl('issuer', o.issuer, insecureOk, problems);
  }
  if (o.jwksUri !== undefined) checkUrl('jwksUri', o.jwksUri, insecureOk, problems);
  const locations = stringList('tokenLocations', o.tokenLocations, [], problems);
  for (const l of locations) if (l !== 'body' && l !== 'query') problems.push(`\`tokenLocations\` may hold 'body' and 'query', not ${JSON.stringify(l)}`);
  const realm = o.realm ?? 'api';
  if (typeof realm !== 'string' || !/^[\x20\x21\x23-\x5b\x5d-\x7e]+$/.test(realm)) problems.push('`realm` must be printable ASCII without quotes or backslashes');
  const k = o.keySet ?? {};
  const keySet: KeyStoreSettings = {
    cacheMaxAge: positive('keySet.cacheMaxAgeMs', k.cacheMaxAgeMs, 600_000, problems),
    maxStaleAge: positive('keySet.maxStaleAgeMs', k.maxStaleAgeMs, 43_200_000, problems),
    refetchCooldown: positive('keySet.refetchCooldownMs', k.refetchCooldownMs, 30_000, problems),
    retryInterval: positive('keySet.retryIntervalMs', k.retryIntervalMs, 5_000, problems),
    negativeCacheTtl: positive('keySet.negativeCacheTtlMs', k.negativeCacheTtlMs, 60_000, problems),
    negativeCacheSize: Math.max(1, Math.floor(positive('keySet.negativeCacheSize', k.negativeCacheSize, 1000, problems, 1_000_000))),
    maxKeys: Math.max(1, Math.floor(positive('keySet.maxKeys', k.maxKeys, 100, problems, 10_000))),
  };
  const issuer: IssuerConfig = {
    issuer: o.issuer as string,
    audiences: resolveAudience(o.audience, problems),
    jwksUri: o.jwksUri,
    algorithms: resolveAlgorithms(o.algorithms, problems),
    clockTolerance: positive('clockTolerance', o.clockTolerance, 5, problems, 300),
    maxTokenAge: o.maxTokenAge === undefined ? undefined : positive('maxTokenAge', o.maxTokenAge, 0, problems),
    requiredClaims: stringList('requiredClaims', o.requiredClaims, [], problems),
    strict: o.strict === true,
    scopeClaims: stringList('scopeClaims', o.scopeClaims, ['scope', 'scp'], problems, false),
    allowInsecureRequests: insecureOk,
  };
  const httpTimeoutMs = positive('httpTimeoutMs', o.httpTimeoutMs, 5000, problems, 120_000, 1);
  const config: ResolvedConfig = {
    issuers: [issuer],
    tokenLocations: new Set(locations as TokenLocation[]),
    maxTokenLength: Math.floor(positive('maxTokenLength', o.maxTokenLength, 8192, problems, 1_048_576, 16)),
    realm,
    httpTimeoutMs,
    keySet,
    warmUp: o.warmUp === true,
    verifiedTokenCacheSize:
      o.verifiedTokenCache === false
        ? 0
        : Math.floor(positive('verifiedTokenCache.maxEntries', o.verifiedTokenCache?.maxEntries, 10_000, problems, 10_000_000)),
    userInfo: resolveUserInfo(o.userInfo ?? {}, httpTimeoutMs, insecureOk, problems),
    tokenType: o.tokenType ?? 'jwt',
    introspection: resolveIntrospection(o.tokenType ?? 'jwt', o.introspection, httpTimeoutMs, insecureOk, problems),
  };
  if (!['jwt', 'opaque', 'auto'].includes(config.tokenType)) problems.push("`tokenType` must be 'jwt', 'opaque' or 'auto'");
  if (keySet.maxStaleAge < keySet.cacheMaxAge) problems.push('`keySet.maxStaleAgeMs` must not be shorter than `keySet.cacheMaxAgeMs`');
  if (problems.length > 0) throw new ResourceServerConfigError(problems);
  return config;
}
