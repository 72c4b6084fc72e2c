import type { VerificationKey } from '../jose/jwk.js';
import { LruCache } from './lru-cache.js';
import type { VerifiedPrincipal } from '../claims/principal.js';

/** A token that passed every check, and the key that verified it. */
export interface VerifiedEntry {
  readonly principal: VerifiedPrincipal;
  readonly key: VerificationKey;
}

// The last 43 characters of a compact JWS are 256 bits of its signature: no two tokens an issuer
// signs share them. Hashing them is ~20x cheaper than hashing the whole token (SHA-256 of a 900-byte
// token, or even V8's own string hash of it, cost more than the rest of a cache hit).
const KEY_LENGTH = 43;

/**
 * Remembers verified tokens so a repeated token skips decoding, signature verification and claim
 * validation. Keyed by the tail of the signature; an entry is returned only for the identical token
 * string, so a string crafted to share a cached token's tail is a miss (and then fails verification).
 * Only successes are ever stored, until their claims would stop passing (`claimsExpireAt`). The
 * principal holds the token itself, which a JWT cache cannot avoid: it must compare the whole string.
 */
export class VerifiedTokenCache {
  private readonly entries: LruCache<string, VerifiedEntry>;

  constructor(maxEntries: number) {
    this.entries = new LruCache(maxEntries);
  }

  get(token: string, now: number): VerifiedEntry | undefined {
    const entry = this.entries.get(token.slice(-KEY_LENGTH), now);
    return entry?.principal.token === token ? entry : undefined;
  }

  /** Whether this exact token is cached (expired or not): it verified once. Does not count as a use. */
  has(token: string): boolean {
    return this.entries.peek(token.slice(-KEY_LENGTH))?.principal.token === token;
  }

  /** Stores an entry until `expiresAt` (ms), when its claims would stop passing validation. */
  set(token: string, entry: VerifiedEntry, expiresAt: number): void {
    this.entries.set(token.slice(-KEY_LENGTH), entry, expiresAt);
  }

  /** Forgets this exact token (a look-alike sharing its signature tail leaves it in place). */
  delete(token: string): void {
    if (this.has(token)) this.entries.delete(token.slice(-KEY_LENGTH));
  }
}
