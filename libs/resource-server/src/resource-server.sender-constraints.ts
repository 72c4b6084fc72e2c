// Builds, from the resolved options, the parts of sender-constrained tokens (RFC 9449, RFC 8705) and
// RFC 9728 challenges the module provides: kept here so the module file only wires them.
import type { ResolvedConfig } from './core/config/config.js';
import { SenderConstraints, type DpopPolicy } from './core/binding/sender-constraint.js';
import { DpopProofVerifier } from './core/dpop/dpop-proof.js';
import { DpopNonces } from './core/dpop/nonces.js';
import { MemoryReplayStore, type DpopReplayStore } from './core/dpop/replay-store.js';
import { metadataUrl } from './core/metadata/protected-resource.js';
import { httpCredentialSettings } from './transports/http-credential.js';
import type { HttpTransportSettings } from './transports/http.transport.js';

/** The binding check of the pipeline, with its DPoP proof verifier when any issuer accepts DPoP. */
export function createSenderConstraints(config: ResolvedConfig, injectedStore?: DpopReplayStore): SenderConstraints {
  const policies = new Map<string, DpopPolicy>(config.issuers.map((i) => [i.issuer, i.dpop]));
  if (!config.issuers.some((i) => i.dpop !== 'off')) return new SenderConstraints(policies, undefined);
  const s = config.senderConstraints;
  const store = s.replayStore ?? injectedStore ?? new MemoryReplayStore(s.replayCacheMaxEntries);
  const nonces = s.nonce ? new DpopNonces(s.nonce.rotationMs, s.nonce.secret) : undefined;
  const settings = { algorithms: s.dpopAlgorithms, maxAgeMs: s.dpopMaxAgeMs, clockToleranceMs: s.dpopClockToleranceMs };
  return new SenderConstraints(policies, new DpopProofVerifier(settings, store, nonces));
}

/**
 * How the HTTP transport reads credentials and words its challenges. `verified` tells a token that
 * verified before (the verifier's cache), whose syntax need not be checked again.
 */
export function httpTransportSettings(
  config: ResolvedConfig,
  verified?: (token: string) => boolean,
): HttpTransportSettings {
  const credential = httpCredentialSettings(config, verified);
  return {
    credential,
    challenges: {
      realm: config.realm,
      bearer: credential.schemes.has('bearer'),
      dpop: credential.schemes.has('dpop'),
      dpopAlgorithms: [...config.senderConstraints.dpopAlgorithms],
      resourceMetadata: config.resourceMetadata ? metadataUrl(config.resourceMetadata.resource) : undefined,
    },
  };
}
