import type { VerificationKey } from '../jose/jwk.js';
import { LruCache } from './lru-cache.js';
import { hashToken } from './token-hash.js';
import type { VerifiedPrincipal } from '../claims/principal.js';

/** A token that passed every check, and the key that verified it. */
export interface VerifiedEntry {
  readonly principal: VerifiedPrincipal;
  readonly key: VerificationKey;
}

/**
 * Remembers verified tokens so a repeated token skips decoding and signature verification. Keyed by
 * SHA-256 of the token; an entry is returned only for the identical token string (a hash collision
 * could not hand out another caller's principal). Only successes are ever stored.
 */
export class VerifiedTokenCache {
  private readonly entries: LruCache<string, VerifiedEntry>;

  constructor(maxEntries: number) {
    this.entries = new LruCache(maxEntries);
  }

  get(token: string, now: number): VerifiedEntry | undefined {
    const entry = this.entries.get(hashToken(token), now);
    return entry?.principal.token === token ? entry : undefined;
  }

  /** Stores an entry until `expiresAt` (ms), normally the token's `exp` plus the clock tolerance. */
  set(token: string, entry: VerifiedEntry, expiresAt: number): void {
    this.entries.set(hashToken(token), entry, expiresAt);
  }

  delete(token: string): void {
    this.entries.delete(hashToken(token));
  }
}
