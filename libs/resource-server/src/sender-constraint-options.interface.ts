// Options of sender-constrained tokens (RFC 9449 DPoP proofs) and RFC 9728 protected-resource metadata.
import type { KeyObject } from 'node:crypto';
import type { JwsAlgorithm } from './core/jose/algorithms.js';
import type { DpopReplayStore } from './core/dpop/replay-store.js';

/**
 * How DPoP proofs are checked.
 * @example
 * dpopProof: { maxAgeSeconds: 60, nonce: { secret: process.env.DPOP_NONCE_SECRET!, rotationSeconds: 300 } }
 */
export interface DpopProofOptions {
  /** Accepted proof algorithms (asymmetric only). @default every supported one: RS*, PS*, ES*, EdDSA, Ed25519 */
  algorithms?: readonly JwsAlgorithm[];
  /** How old a proof may be, by its `iat`, in seconds; also how long its `jti` is remembered. @default 60 */
  maxAgeSeconds?: number;
  /** Seconds of clock skew tolerated on a proof's `iat`. @default 5 */
  clockToleranceSeconds?: number;
  /** Where used `jti`s are remembered; share one between instances. @default a bounded in-memory store */
  replayStore?: DpopReplayStore;
  /** Size of the default in-memory replay store (keys). @default 100000 */
  replayCacheMaxEntries?: number;
  /**
   * Server-provided nonces (RFC 9449 §9): proofs must carry a recent nonce, else 401 `use_dpop_nonce`
   * with a `DPoP-Nonce` header. `secret` must be the same on every instance (random per process when
   * omitted); a nonce is current for `rotationSeconds` and accepted for one more period. @default false
   */
  nonce?: boolean | { secret?: string; rotationSeconds?: number };
}

/**
 * RFC 9728 protected-resource metadata, served at `/.well-known/oauth-protected-resource`.
 * @example
 * resourceMetadata: { resource: 'https://api.example.com', resourceDocumentation: 'https://docs.example.com/api' }
 */
export interface ResourceMetadataOptions {
  /** This API's resource identifier (an https URL without query or fragment; usually its audience). */
  resource: string;
  /** Authorization servers clients can get tokens from. @default the configured issuers */
  authorizationServers?: readonly string[];
  /** Scopes to advertise. @default every scope named by `@Scopes`/`@AnyScope` in the app */
  scopesSupported?: readonly string[];
  /** Human-readable name of the API. */
  resourceName?: string;
  /** URL of the API's documentation for developers. */
  resourceDocumentation?: string;
  /**
   * Sign the metadata (RFC 9728 §2.2 `signed_metadata`): a private key (`KeyObject` or PEM), its JWS
   * algorithm, and optionally the `kid` and `iss` of the signed statement. @default undefined (unsigned)
   */
  signing?: { key: KeyObject | string; alg: JwsAlgorithm; kid?: string; issuer?: string };
}
