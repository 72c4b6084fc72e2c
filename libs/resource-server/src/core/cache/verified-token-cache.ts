import type { VerificationKey } from '../jose/jwk.js';
import { LruCache } from './lru-cache.js';
import type { VerifiedPrincipal } from '../claims/principal.js';

/** A token that passed every check, and the key that verified it. */
export interface VerifiedEntry {
  readonly principal: VerifiedPrincipal;
  readonly key: VerificationKey;
}

// The key is folded from the last 8 characters of a compact JWS (up to 48 bits of its signature) into
// a 30-bit number (a V8 small integer). Cutting the tail out as a string and hashing it cost half of a
// cache hit; SHA-256 of the whole token more than the rest of the hit. Two cached tokens whose keys
// collide (a full cache of 10 000 entries holds such a pair about once in 20) take turns in the cache;
// an entry is only ever returned for the identical token string.
const KEY_CHARS = 8;

function keyOf(token: string): number {
  let key = 0x811c9dc5; // FNV-1a
  for (let i = Math.max(0, token.length - KEY_CHARS); i < token.length; i++)
    key = Math.imul(key ^ token.charCodeAt(i), 0x01000193);
  return key & 0x3fffffff;
}

/**
 * Remembers verified tokens so a repeated token skips decoding, signature verification and claim
 * validation. Keyed by the tail of the signature; an entry is returned only for the identical token
 * string, so a string crafted to share a cached token's key is a miss (and then fails verification).
 * Only successes are ever stored, until their claims would stop passing (`claimsExpireAt`). The
 * principal holds the token itself, which a JWT cache cannot avoid: it must compare the whole string.
 */
export class VerifiedTokenCache {
  private readonly entries: LruCache<number, VerifiedEntry>;

  constructor(maxEntries: number) {
    this.entries = new LruCache(maxEntries);
  }

  get(token: string, now: number): VerifiedEntry | undefined {
    const entry = this.entries.get(keyOf(token), now);
    return entry?.principal.token === token ? entry : undefined;
  }

  /** Whether this exact token is cached (expired or not): it verified once. Does not count as a use. */
  has(token: string): boolean {
    return this.entries.peek(keyOf(token))?.principal.token === token;
  }

  /** Stores an entry until `expiresAt` (ms), when its claims would stop passing validation. */
  set(token: string, entry: VerifiedEntry, expiresAt: number): void {
    this.entries.set(keyOf(token), entry, expiresAt);
  }

  /** Forgets this exact token (a look-alike sharing its key leaves it in place). */
  delete(token: string): void {
    if (this.has(token)) this.entries.delete(keyOf(token));
  }
}
