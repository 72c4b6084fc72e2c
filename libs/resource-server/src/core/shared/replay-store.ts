import { UpstreamError } from '../../errors/resource-server.error.js';
import { LruCache } from '../cache/lru-cache.js';
import type { RedisLike } from './redis-like.js';

/** Remembers single-use identifiers (`jti`s of DPoP proofs, logout tokens, security events). */
export interface ReplayStore {
  /**
   * Records `id` for `ttlMs` and resolves true if it was not seen within that time, false for a replay.
   * Atomic: of two concurrent claims of one id, one wins. Rejects when it cannot tell (fail closed).
   */
  claim(id: string, ttlMs: number): Promise<boolean>;
}

/**
 * The per-process store: a bounded LRU. When it is full, the least recently seen id is forgotten
 * first; size it above the number of ids expected within one replay window.
 */
export class MemoryReplayStore implements ReplayStore {
  private readonly seen: LruCache<string, true>;

  constructor(
    maxEntries: number,
    private readonly now: () => number,
  ) {
    this.seen = new LruCache(maxEntries);
  }

  async claim(id: string, ttlMs: number): Promise<boolean> {
    const now = this.now();
    if (this.seen.get(id, now)) return false;
    this.seen.set(id, true, now + ttlMs);
    return true;
  }
}

/** The shared store: `SET id 1 PX ttl NX` in Redis, so a replay against another instance is caught too. */
export class RedisReplayStore implements ReplayStore {
  constructor(
    private readonly redis: RedisLike,
    private readonly prefix: string,
  ) {}

  async claim(id: string, ttlMs: number): Promise<boolean> {
    try {
      return (await this.redis.set(this.prefix + id, '1', 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX')) === 'OK';
    } catch (cause) {
      // Without the shared store a replay cannot be ruled out: refuse rather than accept.
      throw new UpstreamError('replay_store_unavailable', 503, { cause, retryAfterSeconds: 5 });
    }
  }
}
