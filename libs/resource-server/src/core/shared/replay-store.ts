import { UpstreamError } from '../../errors/resource-server.error.js';
import type { DpopReplayStore as ReplayStore } from '../dpop/replay-store.js';
import { redisReady, type RedisLike } from './redis-like.js';

/**
 * Remembers single-use identifiers (`jti`s of DPoP proofs, logout tokens, security events): the DPoP
 * replay store's contract, so one shared store serves every kind.
 */
export type { DpopReplayStore as ReplayStore } from '../dpop/replay-store.js';
/** The per-process store (bounded; never accepts a forgotten id twice). */
export { MemoryReplayStore } from '../dpop/replay-store.js';

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
