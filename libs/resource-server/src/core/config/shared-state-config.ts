// Options of the state shared between instances (Redis) and of revocation, resolved and checked.
import type { RedisOptions, RevocationOptions } from '../../resource-server-options.interface.js';
import type { RevocationSettings } from '../revocation/revocations.js';
import type { RedisLike } from '../shared/redis-like.js';
import { checkUrl, positive } from './config-checks.js';

/** Redis settings, resolved: a URL to connect to, or the application's own client. */
export interface RedisConfig {
  readonly url: string | undefined;
  readonly client: RedisLike | undefined;
  /** Prefix of every key and channel. */
  readonly keyPrefix: string;
}

export function resolveRedis(r: RedisOptions | undefined, problems: string[]): RedisConfig | undefined {
  if (r === undefined) return undefined;
  const hasUrl = typeof r.url === 'string' && r.url !== '';
  if (hasUrl === (r.client !== undefined))
    problems.push('`redis` needs exactly one of `url` (e.g. redis://127.0.0.1:6379) or `client` (an ioredis client)');
  if (hasUrl && !/^rediss?:\/\//.test(r.url!)) problems.push('`redis.url` must start with redis:// or rediss://');
  const keyPrefix = r.keyPrefix ?? 'nestjs-resource-server';
  // Braces allowed: a Redis Cluster hash tag ('{api}') puts every key of the library on one slot.
  if (typeof keyPrefix !== 'string' || !/^[\w.:{}-]{1,64}$/.test(keyPrefix))
    problems.push('`redis.keyPrefix` must be 1-64 letters, digits, or . : _ - { }');
  return { url: hasUrl ? r.url : undefined, client: r.client as RedisLike | undefined, keyPrefix };
}

/** Revocation settings, resolved, with the event receivers. */
export interface RevocationConfig extends RevocationSettings {
  readonly backChannelLogout: { readonly clientId: string; readonly maxAge: number } | undefined;
  readonly securityEvents:
    | {
        readonly audience: string;
        readonly transmitters: readonly { issuer: string; jwksUri: string }[];
        readonly maxAge: number;
      }
    | undefined;
}

function resolveTransmitters(
  value: unknown,
  insecureOk: boolean,
  problems: string[],
): { issuer: string; jwksUri: string }[] {
  if (!Array.isArray(value) || value.length === 0) {
    problems.push('`revocation.securityEvents.transmitters` must list at least one `{ issuer, jwksUri }`');
    return [];
  }
  return value.map((t: { issuer?: unknown; jwksUri?: unknown }, i) => {
    if (typeof t?.issuer !== 'string' || t.issuer === '')
      problems.push(`\`revocation.securityEvents.transmitters[${i}].issuer\` must be a non-empty string`);
    checkUrl(`revocation.securityEvents.transmitters[${i}].jwksUri`, t?.jwksUri, insecureOk, problems);
    return { issuer: String(t?.issuer), jwksUri: String(t?.jwksUri) };
  });
}

export function resolveRevocation(
  r: RevocationOptions | undefined,
  insecureOk: boolean,
  problems: string[],
): RevocationConfig {
  const bcl = r?.backChannelLogout;
  if (bcl !== undefined && (typeof bcl.clientId !== 'string' || bcl.clientId === '')) {
    problems.push(
      '`revocation.backChannelLogout.clientId` must be the client id the issuer addresses logout tokens to',
    );
  }
  const se = r?.securityEvents;
  if (se !== undefined && (typeof se.audience !== 'string' || se.audience === ''))
    problems.push('`revocation.securityEvents.audience` must be a non-empty string');
  return {
    maxTokenLifetime: positive(
      'revocation.maxTokenLifetimeSeconds',
      r?.maxTokenLifetimeSeconds,
      86_400,
      problems,
      31_536_000,
      60,
    ),
    maxEntries: Math.floor(positive('revocation.maxEntries', r?.maxEntries, 100_000, problems, 10_000_000, 1)),
    pruneIntervalMs: 60_000,
    backChannelLogout: bcl && {
      clientId: bcl.clientId,
      maxAge: positive('revocation.backChannelLogout.maxAgeSeconds', bcl.maxAgeSeconds, 300, problems, 86_400, 1),
    },
    securityEvents: se && {
      audience: se.audience,
      transmitters: resolveTransmitters(se.transmitters, insecureOk, problems),
      maxAge: positive('revocation.securityEvents.maxAgeSeconds', se.maxAgeSeconds, 300, problems, 86_400, 1),
    },
  };
}
