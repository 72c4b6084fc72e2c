// Resolves the options of sender-constrained tokens (RFC 9449 DPoP, RFC 8705 mTLS) and of RFC 9728
// protected-resource metadata, reporting every problem at once like the rest of the configuration.
import { createPrivateKey, type KeyObject } from 'node:crypto';
import type { ResourceServerModuleOptions } from '../../resource-server-options.interface.js';
import type { DpopReplayStore } from '../dpop/replay-store.js';
import { SUPPORTED_ALGORITHMS, isSupportedAlgorithm, type JwsAlgorithm } from '../jose/algorithms.js';
import { checkUrl, positive, stringList } from './config-checks.js';

/** DPoP proof checks, trusted proxy and forwarded certificates, resolved. */
export interface SenderConstraintConfig {
  readonly dpopAlgorithms: ReadonlySet<JwsAlgorithm>;
  readonly dpopMaxAgeMs: number;
  readonly dpopClockToleranceMs: number;
  readonly replayStore: DpopReplayStore | undefined;
  readonly replayCacheMaxEntries: number;
  readonly nonce: { readonly secret: string | undefined; readonly rotationMs: number } | undefined;
  readonly trustProxy: boolean;
  readonly clientCertificateHeader: string | undefined;
}

/** RFC 9728 metadata settings, resolved. */
export interface ResourceMetadataConfig {
  readonly resource: string;
  readonly authorizationServers: readonly string[];
  readonly scopesSupported: readonly string[] | undefined;
  readonly resourceName: string | undefined;
  readonly resourceDocumentation: string | undefined;
  readonly signing:
    | { readonly key: KeyObject; readonly alg: JwsAlgorithm; readonly kid?: string; readonly issuer?: string }
    | undefined;
}

/** Whether an issuer's tokens may, or must, be DPoP-bound. */
export type DpopPolicy = 'off' | 'allowed' | 'required';

const POLICIES: readonly DpopPolicy[] = ['off', 'allowed', 'required'];
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export function resolveDpopPolicy(name: string, value: unknown, problems: string[]): DpopPolicy {
  if (value === undefined) return 'allowed';
  if ((POLICIES as readonly unknown[]).includes(value)) return value as DpopPolicy;
  problems.push(`\`${name}\` must be 'off', 'allowed' or 'required' (got ${JSON.stringify(value)})`);
  return 'allowed';
}

function resolveNonce(value: unknown, problems: string[]): SenderConstraintConfig['nonce'] {
  if (value === undefined || value === false) return undefined;
  const o = value === true ? {} : (value as { secret?: unknown; rotationSeconds?: unknown });
  if (typeof o !== 'object' || o === null) {
    problems.push('`dpopProof.nonce` must be true, false or { secret?, rotationSeconds? }');
    return undefined;
  }
  if (o.secret !== undefined && (typeof o.secret !== 'string' || o.secret.length < 16)) {
    problems.push('`dpopProof.nonce.secret` must be a string of at least 16 characters, the same on every instance');
  }
  const rotation = positive('dpopProof.nonce.rotationSeconds', o.rotationSeconds, 300, problems, 86_400, 1);
  return { secret: typeof o.secret === 'string' ? o.secret : undefined, rotationMs: rotation * 1000 };
}

export function resolveSenderConstraintConfig(
  o: ResourceServerModuleOptions,
  problems: string[],
): SenderConstraintConfig {
  const d = o.dpopProof ?? {};
  const algorithms = stringList('dpopProof.algorithms', d.algorithms, SUPPORTED_ALGORITHMS, problems, false);
  for (const alg of algorithms) {
    if (!isSupportedAlgorithm(alg))
      problems.push(
        `\`dpopProof.algorithms\` contains ${JSON.stringify(alg)}; supported: ${SUPPORTED_ALGORITHMS.join(', ')}`,
      );
  }
  const store = d.replayStore;
  if (store !== undefined && typeof store?.setIfAbsent !== 'function')
    problems.push('`dpopProof.replayStore` must have a setIfAbsent(key, expiresAt) method');
  const header = o.clientCertificateHeader;
  if (header !== undefined && (typeof header !== 'string' || !HEADER_NAME.test(header)))
    problems.push('`clientCertificateHeader` must be an HTTP header name');
  return {
    dpopAlgorithms: new Set(algorithms.filter(isSupportedAlgorithm)),
    dpopMaxAgeMs: positive('dpopProof.maxAgeSeconds', d.maxAgeSeconds, 60, problems, 3600, 1) * 1000,
    dpopClockToleranceMs: positive('dpopProof.clockToleranceSeconds', d.clockToleranceSeconds, 5, problems, 300) * 1000,
    replayStore: store,
    replayCacheMaxEntries: Math.floor(
      positive('dpopProof.replayCacheMaxEntries', d.replayCacheMaxEntries, 100_000, problems, 10_000_000, 1),
    ),
    nonce: resolveNonce(d.nonce, problems),
    trustProxy: o.trustProxy === true,
    clientCertificateHeader: typeof header === 'string' ? header.toLowerCase() : undefined,
  };
}

function resolveSigningKey(signing: unknown, problems: string[]): ResourceMetadataConfig['signing'] {
  if (signing === undefined) return undefined;
  const s = signing as { key?: unknown; alg?: unknown; kid?: unknown; issuer?: unknown };
  if (!isSupportedAlgorithm(s.alg)) {
    problems.push(`\`resourceMetadata.signing.alg\` must be one of ${SUPPORTED_ALGORITHMS.join(', ')}`);
    return undefined;
  }
  try {
    const key = typeof s.key === 'string' ? createPrivateKey(s.key) : (s.key as KeyObject);
    if (key?.type !== 'private') throw new Error('not a private key');
    return {
      key,
      alg: s.alg,
      kid: typeof s.kid === 'string' ? s.kid : undefined,
      issuer: typeof s.issuer === 'string' ? s.issuer : undefined,
    };
  } catch {
    problems.push('`resourceMetadata.signing.key` must be a private KeyObject or a PEM private key');
    return undefined;
  }
}

export function resolveResourceMetadata(
  o: ResourceServerModuleOptions,
  issuers: readonly { readonly issuer: string }[],
  problems: string[],
): ResourceMetadataConfig | undefined {
  const m = o.resourceMetadata;
  if (m === undefined) return undefined;
  const insecureOk = o.allowInsecureRequests === true;
  checkUrl('resourceMetadata.resource', m.resource, insecureOk, problems);
  if (typeof m.resource === 'string' && /[?#]/.test(m.resource))
    problems.push('`resourceMetadata.resource` must have no query or fragment (RFC 9728 §2)');
  const servers = stringList(
    'resourceMetadata.authorizationServers',
    m.authorizationServers,
    [...new Set(issuers.map((i) => i.issuer))],
    problems,
  );
  if (m.resourceDocumentation !== undefined)
    checkUrl('resourceMetadata.resourceDocumentation', m.resourceDocumentation, true, problems);
  return {
    resource: m.resource,
    authorizationServers: servers,
    scopesSupported:
      m.scopesSupported === undefined
        ? undefined
        : stringList('resourceMetadata.scopesSupported', m.scopesSupported, [], problems),
    resourceName: typeof m.resourceName === 'string' ? m.resourceName : undefined,
    resourceDocumentation: m.resourceDocumentation,
    signing: resolveSigningKey(m.signing, problems),
  };
}
