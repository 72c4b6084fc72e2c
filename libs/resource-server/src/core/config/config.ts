// Turns the user's options into the resolved configuration the core runs on, and refuses, at startup,
// anything that would make the resource server insecure or unusable, saying what to set instead.
import type {
  IntrospectionOptions,
  ResourceServerModuleOptions,
  UserInfoOptions,
} from '../../resource-server-options.interface.js';
import { checkUrl, positive, stringList } from './config-checks.js';
import { resolveIssuers, type IssuerConfig } from './issuer-config.js';
import type { KeyStoreSettings } from '../issuer/key-store.js';
import type { TokenLocation } from '../credentials/token-extractor.js';
import {
  resolveResourceMetadata,
  resolveSenderConstraintConfig,
  type ResourceMetadataConfig,
  type SenderConstraintConfig,
} from './sender-constraint-config.js';
import { resolveRedis, resolveRevocation, type RedisConfig, type RevocationConfig } from './shared-state-config.js';

export type { IssuerConfig } from './issuer-config.js';

/** Userinfo settings, resolved. */
export interface UserInfoConfig {
  readonly endpoint: string | undefined;
  readonly cacheTtlMs: number;
  readonly cacheMaxEntries: number;
  readonly store: 'memory' | 'cache-manager';
  readonly tokenClaims: 'ignore' | 'fallback' | 'merge';
  readonly timeoutMs: number;
}

/** Introspection settings, resolved. */
export interface IntrospectionConfig {
  readonly endpoint: string | undefined;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly clientAuthMethod: 'client_secret_basic' | 'client_secret_post';
  readonly timeoutMs: number;
  readonly cacheTtlMs: number;
  readonly inactiveCacheTtlMs: number;
  readonly cacheMaxEntries: number;
  readonly store: 'memory' | 'cache-manager';
  /** Introspection calls in flight at once. */
  readonly maxConcurrent: number;
  /** Introspection calls started per second. */
  readonly maxRequestsPerSecond: number;
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
  /** DPoP proofs, trusted proxy, forwarded client certificates (RFC 9449, RFC 8705). */
  readonly senderConstraints: SenderConstraintConfig;
  /** RFC 9728 metadata, when served. */
  readonly resourceMetadata: ResourceMetadataConfig | undefined;
  readonly redis: RedisConfig | undefined;
  readonly revocation: RevocationConfig;
}

/** Thrown at startup for options that cannot work; the message says what to set. */
export class ResourceServerConfigError extends Error {
  constructor(problems: readonly string[]) {
    super(`Invalid ResourceServerModule options:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ResourceServerConfigError';
  }
}

function resolveUserInfo(
  u: UserInfoOptions,
  httpTimeoutMs: number,
  insecureOk: boolean,
  problems: string[],
): UserInfoConfig {
  if (u.endpoint !== undefined) checkUrl('userInfo.endpoint', u.endpoint, insecureOk, problems);
  const store = u.store ?? 'memory';
  if (store !== 'memory' && store !== 'cache-manager')
    problems.push("`userInfo.store` must be 'memory' or 'cache-manager'");
  const tokenClaims = u.tokenClaims ?? 'ignore';
  if (!['ignore', 'fallback', 'merge'].includes(tokenClaims))
    problems.push("`userInfo.tokenClaims` must be 'ignore', 'fallback' or 'merge'");
  return {
    endpoint: u.endpoint,
    cacheTtlMs: positive('userInfo.cacheTtlMs', u.cacheTtlMs, 300_000, problems),
    cacheMaxEntries: Math.floor(
      positive('userInfo.cacheMaxEntries', u.cacheMaxEntries, 10_000, problems, 10_000_000, 1),
    ),
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
  if (
    typeof i?.clientId !== 'string' ||
    i.clientId === '' ||
    typeof i.clientSecret !== 'string' ||
    i.clientSecret === ''
  ) {
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
  if (store !== 'memory' && store !== 'cache-manager')
    problems.push("`introspection.store` must be 'memory' or 'cache-manager'");
  return {
    endpoint: i.endpoint,
    clientId: i.clientId,
    clientSecret: i.clientSecret,
    clientAuthMethod: method,
    timeoutMs: positive('introspection.timeoutMs', i.timeoutMs, httpTimeoutMs, problems, 120_000, 1),
    cacheTtlMs: positive('introspection.cacheTtlMs', i.cacheTtlMs, 60_000, problems),
    inactiveCacheTtlMs: positive('introspection.inactiveCacheTtlMs', i.inactiveCacheTtlMs, 5_000, problems),
    cacheMaxEntries: Math.floor(
      positive('introspection.cacheMaxEntries', i.cacheMaxEntries, 10_000, problems, 10_000_000, 1),
    ),
    store,
    maxConcurrent: Math.floor(positive('introspection.maxConcurrent', i.maxConcurrent, 10, problems, 10_000, 1)),
    maxRequestsPerSecond: positive(
      'introspection.maxRequestsPerSecond',
      i.maxRequestsPerSecond,
      50,
      problems,
      1_000_000,
      0.01,
    ),
  };
}

/** Validates and resolves the module options. Throws {@link ResourceServerConfigError} listing every problem. */
export function resolveConfig(options: ResourceServerModuleOptions): ResolvedConfig {
  const problems: string[] = [];
  const o = options ?? {};
  const insecureOk = o.allowInsecureRequests === true;
  const locations = stringList('tokenLocations', o.tokenLocations, [], problems);
  for (const l of locations)
    if (l !== 'body' && l !== 'query')
      problems.push(`\`tokenLocations\` may hold 'body' and 'query', not ${JSON.stringify(l)}`);
  const realm = o.realm ?? 'api';
  if (typeof realm !== 'string' || !/^[\x20\x21\x23-\x5b\x5d-\x7e]+$/.test(realm))
    problems.push('`realm` must be printable ASCII without quotes or backslashes');
  const k = o.keySet ?? {};
  const keySet: KeyStoreSettings = {
    cacheMaxAge: positive('keySet.cacheMaxAgeMs', k.cacheMaxAgeMs, 600_000, problems),
    maxStaleAge: positive('keySet.maxStaleAgeMs', k.maxStaleAgeMs, 43_200_000, problems),
    refetchCooldown: positive('keySet.refetchCooldownMs', k.refetchCooldownMs, 30_000, problems),
    retryInterval: positive('keySet.retryIntervalMs', k.retryIntervalMs, 5_000, problems),
    negativeCacheTtl: positive('keySet.negativeCacheTtlMs', k.negativeCacheTtlMs, 60_000, problems),
    negativeCacheSize: Math.max(
      1,
      Math.floor(positive('keySet.negativeCacheSize', k.negativeCacheSize, 1000, problems, 1_000_000)),
    ),
    maxKeys: Math.max(1, Math.floor(positive('keySet.maxKeys', k.maxKeys, 100, problems, 10_000))),
  };
  const issuers = resolveIssuers(o, problems);
  const httpTimeoutMs = positive('httpTimeoutMs', o.httpTimeoutMs, 5000, problems, 120_000, 1);
  const config: ResolvedConfig = {
    issuers,
    tokenLocations: new Set(locations as TokenLocation[]),
    maxTokenLength: Math.floor(positive('maxTokenLength', o.maxTokenLength, 8192, problems, 1_048_576, 16)),
    realm,
    httpTimeoutMs,
    keySet,
    warmUp: o.warmUp === true,
    verifiedTokenCacheSize:
      o.verifiedTokenCache === false
        ? 0
        : Math.floor(
            positive('verifiedTokenCache.maxEntries', o.verifiedTokenCache?.maxEntries, 10_000, problems, 10_000_000),
          ),
    userInfo: resolveUserInfo(o.userInfo ?? {}, httpTimeoutMs, insecureOk, problems),
    tokenType: o.tokenType ?? 'jwt',
    introspection: resolveIntrospection(o.tokenType ?? 'jwt', o.introspection, httpTimeoutMs, insecureOk, problems),
    senderConstraints: resolveSenderConstraintConfig(o, problems),
    resourceMetadata: resolveResourceMetadata(o, issuers, problems),
    redis: resolveRedis(o.redis, problems),
    revocation: resolveRevocation(o.revocation, insecureOk, problems),
  };
  if (!['jwt', 'opaque', 'auto'].includes(config.tokenType))
    problems.push("`tokenType` must be 'jwt', 'opaque' or 'auto'");
  if (keySet.maxStaleAge < keySet.cacheMaxAge)
    problems.push('`keySet.maxStaleAgeMs` must not be shorter than `keySet.cacheMaxAgeMs`');
  if (problems.length > 0) throw new ResourceServerConfigError(problems);
  return config;
}
