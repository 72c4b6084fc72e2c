// RFC 9449 §4.3: checking a DPoP proof against the request it came with and the access token it
// accompanies (§7.1: `ath`; §6.1: the proof key's thumbprint is the token's `cnf.jkt`), and §11.1:
// each proof is accepted once. The cheap, stateless checks run first; the replay store is last, so
// a proof that fails anything else never takes a place in it.
import { createHash } from 'node:crypto';
import {
  InvalidDpopProofError,
  InvalidTokenError,
  UpstreamError,
  UseDpopNonceError,
} from '../../errors/resource-server.error.js';
import { verifySignature, type JwsAlgorithm } from '../jose/algorithms.js';
import { decodeJws } from '../jose/jws.js';
import { LruCache } from '../cache/lru-cache.js';
import type { DpopNonces } from './nonces.js';
import { ProofKeys, type ProofKey } from './proof-key.js';
import type { DpopReplayStore } from './replay-store.js';

/** What a request offers as DPoP evidence. */
export interface DpopRequest {
  /** Every `DPoP` header value of the request (exactly one is acceptable). */
  readonly proofs: readonly string[];
  /** The request method, e.g. `GET`. */
  readonly method: string;
  /** The request URI as the client addressed it (query and fragment are ignored); undefined when unknown. */
  readonly url: string | undefined;
}

/** How proofs are checked, resolved from the options. */
export interface DpopProofSettings {
  readonly algorithms: ReadonlySet<JwsAlgorithm>;
  /** How old (by `iat`) a proof may be, ms. */
  readonly maxAgeMs: number;
  /** Clock skew tolerated on `iat`, ms. */
  readonly clockToleranceMs: number;
}

/** What a verified proof tells the caller. */
export interface VerifiedProof {
  /** A newer nonce the client should use next (sent as `DPoP-Nonce`), when nonces are on. */
  readonly nextNonce: string | undefined;
}

const MAX_PROOF_LENGTH = 8192;
const MAX_JTI_LENGTH = 256;
const SEGMENT = /^[A-Za-z0-9_-]+$/;

/** A proof's protected header that passed every header check, and its key. */
interface CheckedHeader {
  readonly alg: JwsAlgorithm;
  readonly key: ProofKey;
}

/** The parts of a proof the claim checks need. */
interface DecodedProof {
  readonly header: CheckedHeader;
  readonly payload: Readonly<Record<string, unknown>>;
  readonly signingInput: Buffer;
  readonly signature: Buffer;
}

/** The `scheme://host[:port]/path` of an http(s) URL, normalized, or undefined for anything else. */
export function htuOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
}

/** Whether `htu` names the request URL: the same string as its part before `?`, else equal once normalized. */
function sameTarget(htu: unknown, url: string | undefined): boolean {
  if (typeof htu !== 'string' || url === undefined) return false;
  const end = url.search(/[?#]/);
  if (htu === (end === -1 ? url : url.slice(0, end))) return true;
  const target = htuOf(url);
  return target !== undefined && htuOf(htu) === target;
}

/** The base64url SHA-256 of an access token: a proof's `ath` (RFC 9449 §4.2). */
export function accessTokenHash(token: string): string {
  return createHash('sha256').update(token, 'ascii').digest('base64url');
}

/** Checks DPoP proofs. One per module: it holds the proof-key cache, the replay store and the nonces. */
export class DpopProofVerifier {
  private readonly keys = new ProofKeys();
  // A client signs every proof with the same key, so its protected header (typ, alg, jwk) is the same
  // string each time: checked once, then found here by that string.
  private readonly headers = new LruCache<string, CheckedHeader>(1000);

  constructor(
    private readonly settings: DpopProofSettings,
    private readonly replay: DpopReplayStore,
    private readonly nonces: DpopNonces | undefined,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /**
   * Resolves when the request's one proof is valid for `accessToken` and a key whose thumbprint is
   * `jkt`; rejects with `InvalidDpopProofError`, `UseDpopNonceError`, or a 503 when the replay store
   * cannot answer.
   */
  async verify(request: DpopRequest, accessToken: string, jkt: string): Promise<VerifiedProof> {
    const { jti, expiresAt, nextNonce, thumbprint } = this.check(request, accessToken, jkt);
    let first: boolean;
    try {
      first = await this.replay.setIfAbsent(
        createHash('sha256').update(`${thumbprint} ${jti}`).digest('base64url'),
        expiresAt,
      );
    } catch (cause) {
      throw new UpstreamError('dpop_replay_unavailable', 503, { cause, retryAfterSeconds: 1 });
    }
    if (!first) throw new InvalidDpopProofError('dpop_proof_replayed');
    return { nextNonce };
  }

  /** Every stateless check of §4.3, in order; returns what the replay check and the answer need. */
  private check(request: DpopRequest, accessToken: string, jkt: string) {
    if (request.proofs.length === 0) throw new InvalidDpopProofError('dpop_proof_missing');
    if (request.proofs.length > 1) throw new InvalidDpopProofError('dpop_proof_multiple');
    const jws = this.decode(request.proofs[0]);
    const key = jws.header.key;
    if (!verifySignature(jws.header.alg, key.key, jws.signingInput, jws.signature))
      throw new InvalidDpopProofError('dpop_proof_signature');
    const { htm, htu, iat, jti, ath } = jws.payload;
    if (typeof jti !== 'string' || jti === '' || jti.length > MAX_JTI_LENGTH)
      throw new InvalidDpopProofError('dpop_proof_malformed');
    if (htm !== request.method) throw new InvalidDpopProofError('dpop_proof_method');
    if (!sameTarget(htu, request.url)) throw new InvalidDpopProofError('dpop_proof_url');
    const expiresAt = this.checkIat(iat);
    if (typeof ath !== 'string' || ath !== accessTokenHash(accessToken))
      throw new InvalidDpopProofError('dpop_proof_ath');
    if (key.thumbprint !== jkt) throw new InvalidDpopProofError('dpop_key_mismatch');
    return { jti, expiresAt, nextNonce: this.checkNonce(jws.payload.nonce), thumbprint: key.thumbprint };
  }

  /** Splits and decodes a proof; its header is checked in full the first time it is seen. */
  private decode(proof: string): DecodedProof {
    if (proof.length > MAX_PROOF_LENGTH) throw new InvalidDpopProofError('dpop_proof_malformed');
    const first = proof.indexOf('.');
    const h = proof.slice(0, first);
    const known = first > 0 ? this.headers.get(h, 0) : undefined;
    if (!known) return this.decodeFully(proof, h);
    const second = proof.indexOf('.', first + 1);
    const p = proof.slice(first + 1, second);
    const s = proof.slice(second + 1);
    if (second === -1 || !SEGMENT.test(p) || !SEGMENT.test(s)) throw new InvalidDpopProofError('dpop_proof_malformed');
    let payload: unknown;
    try {
      payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
    } catch (cause) {
      throw new InvalidDpopProofError('dpop_proof_malformed', { cause });
    }
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
      throw new InvalidDpopProofError('dpop_proof_malformed');
    return {
      header: known,
      payload: payload as Record<string, unknown>,
      signingInput: Buffer.from(`${h}.${p}`, 'ascii'),
      signature: Buffer.from(s, 'base64url'),
    };
  }

  private decodeFully(proof: string, h: string): DecodedProof {
    let jws;
    try {
      jws = decodeJws(proof, this.settings.algorithms);
    } catch (cause) {
      const code =
        cause instanceof InvalidTokenError && cause.code === 'unsupported_algorithm'
          ? 'dpop_proof_algorithm'
          : 'dpop_proof_malformed';
      throw new InvalidDpopProofError(code, { cause });
    }
    if (jws.header.typ !== 'dpop+jwt') throw new InvalidDpopProofError('dpop_proof_type');
    const header: CheckedHeader = { alg: jws.alg, key: this.keys.read(jws.header.jwk) };
    this.headers.set(h, header, Number.POSITIVE_INFINITY);
    return { header, payload: jws.payload, signingInput: jws.signingInput, signature: jws.signature };
  }

  /** `iat` within [now - maxAge - tolerance, now + tolerance]; returns when the proof stops being acceptable (ms). */
  private checkIat(iat: unknown): number {
    if (typeof iat !== 'number' || !Number.isFinite(iat)) throw new InvalidDpopProofError('dpop_proof_iat');
    const { maxAgeMs, clockToleranceMs } = this.settings;
    const issuedAt = iat * 1000;
    const now = this.now();
    if (issuedAt > now + clockToleranceMs || issuedAt < now - maxAgeMs - clockToleranceMs)
      throw new InvalidDpopProofError('dpop_proof_iat');
    return issuedAt + maxAgeMs + clockToleranceMs + 1000;
  }

  private checkNonce(nonce: unknown): string | undefined {
    if (!this.nonces) return undefined;
    const state = this.nonces.check(nonce);
    if (state === 'invalid') throw new UseDpopNonceError(this.nonces.current());
    return state === 'previous' ? this.nonces.current() : undefined;
  }
}
