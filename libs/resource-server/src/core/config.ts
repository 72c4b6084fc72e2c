// Turns the user's options into the resolved configuration the core runs on, and refuses, at startup,
// anything that would make the resource server insecure or unusable, saying what to set instead.
import type { ResourceServerModuleOptions } from '../resource-server-options.interface.js';
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
  const config: ResolvedConfig = {
    issuers: [issuer],
    tokenLocations: new Set(locations as TokenLocation[]),
    maxTokenLength: Math.floor(positive('maxTokenLength', o.maxTokenLength, 8192, problems, 1_048_576, 16)),
    realm,
    httpTimeoutMs: positive('httpTimeoutMs', o.httpTimeoutMs, 5000, problems, 120_000, 1),
    keySet,
    warmUp: o.warmUp === true,
    verifiedTokenCacheSize:
      o.verifiedTokenCache === false
        ? 0
        : Math.floor(positive('verifiedTokenCache.maxEntries', o.verifiedTokenCache?.maxEntries, 10_000, problems, 10_000_000)),
  };
  if (keySet.maxStaleAge < keySet.cacheMaxAge) problems.push('`keySet.maxStaleAgeMs` must not be shorter than `keySet.cacheMaxAgeMs`');
  if (problems.length > 0) throw new ResourceServerConfigError(problems);
  return config;
}
