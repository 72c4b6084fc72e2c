import type { ResultStore } from '../cache/result-store.js';
import { OutageLog, type Runtime } from '../runtime.js';
import { redisReady, type RedisLike } from './redis-like.js';

/**
 * A result store (introspection and userinfo answers) shared by every instance through Redis. While
 * Redis fails, answers come from and go to a local store instead: a cache outage costs extra calls to
 * the issuer, never a failed request.
 */
export class RedisResultStore<T> implements ResultStore<T> {
  private readonly outage: OutageLog;

  constructor(
    private readonly redis: RedisLike,
    private readonly prefix: string,
    private readonly fallback: ResultStore<T>,
    runtime: Runtime,
  ) {
    this.outage = new OutageLog(runtime, 'Redis (shared cache, using the local one meanwhile)');
  }

  async get(key: string): Promise<T | undefined> {
    if (!redisReady(this.redis)) return this.fallback.get(key);
    try {
      const raw = await this.redis.get(this.redisKey(key));
      this.outage.recovered();
      return raw === null ? this.fallback.get(key) : (JSON.parse(raw) as T);
    } catch (error) {
      this.outage.failed(error);
      return this.fallback.get(key);
    }
  }

  async set(key: string, value: T, ttlMs: number): Promise<void> {
    const ms = Math.max(1, Math.floor(ttlMs));
    await this.fallback.set(key, value, ms);
    if (!redisReady(this.redis)) return;
    try {
      await this.redis.set(this.redisKey(key), JSON.stringify(value), 'PX', ms);
      this.outage.recovered();
    } catch (error) {
      this.outage.failed(error);
    }
  }

  /** Callers key by `<their namespace>:<token hash>`; in Redis the namespace is `prefix`. */
  private redisKey(key: string): string {
    return this.prefix + key.slice(key.lastIndexOf(':') + 1);
  }
}
