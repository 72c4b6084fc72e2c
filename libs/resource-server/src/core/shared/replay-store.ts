import { UpstreamError } from '../../errors/resource-server.error.js';
import { LruCache } from '../cache/lru-cache.js';
import { redisReady, type RedisLike } from './redis-like.js';

/**
 * Remembers single-use identifiers (`jti`s of DPoP proofs, logout tokens, security events). Same
 * shape as the DPoP helper's `DpopReplayStore`, so one shared store serves both.
 */
export interface ReplayStore {
  /**
   * Records `key` until `expiresAt` (ms since the epoch) unless it is already recorded: true when
   * recorded now (first use), false for a replay. Atomic: of two concurrent calls for one key, one
   * wins. Rejects when it cannot tell (fail closed).
   */
  setIfAbsent(key: string, expiresAt: number): Promise<boolean>;
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

  async setIfAbsent(key: string, expiresAt: number): Promise<boolean> {
    const now = this.now();
    if (this.seen.get(key, now)) return false;
    this.seen.set(key, true, expiresAt);
    return true;
  }
}

/**
 * The shared store: `SET <prefix><key> 1 PX <ttl> NX` in Redis (one key per id, any Cluster slot), so
 * a replay against another instance is caught too. Rejects with a 503 `UpstreamError` while Redis
 * cannot answer.
 */
export class RedisReplayStore implements ReplayStore {
  constructor(
    private readonly redis: RedisLike,
    private readonly prefix: string,
    private readonly now: () => number,
  ) {}

  async setIfAbsent(key: string, expiresAt: number): Promise<boolean> {
    try {
      if (!redisReady(this.redis)) throw new Error('Redis is not connected');
      const ttlMs = Math.max(1, Math.ceil(expiresAt - this.now()));
      return (await this.redis.set(this.prefix + key, '1', 'PX', ttlMs, 'NX')) === 'OK';
    } catch (cause) {
      // Without the shared store a replay cannot be ruled out: refuse rather than accept.
      throw new UpstreamError('replay_store_unavailable', 503, { cause, retryAfterSeconds: 5 });
    }
  }
}
