import type { ResolvedConfig } from '../core/config/config.js';
import type { IntrospectionResult } from '../core/introspection/introspection.js';
import { CacheManagerResultStore, MemoryResultStore, type CacheManagerLike, type ResultStore } from '../core/cache/result-store.js';
import type { Runtime } from '../core/runtime.js';
import { RedisResultStore } from '../core/shared/redis-result-store.js';
import type { OwnedRedis } from './redis-client.provider.js';

/**
 * The store of one kind of result: Redis when `redis` is configured (the local LRU as its fallback),
 * the app's `CACHE_MANAGER` when asked for, else the bounded local LRU.
 */
export function resultStore<T>(
  kind: 'introspection' | 'userinfo',
  settings: { store: 'memory' | 'cache-manager'; cacheMaxEntries: number },
  config: ResolvedConfig,
  runtime: Runtime,
  redis: OwnedRedis,
  cacheManager: CacheManagerLike | undefined,
): ResultStore<T> {
  const local = new MemoryResultStore<T>(settings.cacheMaxEntries, runtime.now);
  if (redis.client) return new RedisResultStore<T>(redis.client, `${config.redis!.keyPrefix}:${kind}:`, local, runtime);
  if (settings.store !== 'cache-manager') return local;
  if (!cacheManager) {
    const option = kind === 'userinfo' ? 'userInfo' : kind;
    throw new Error(
      `${option}.store is 'cache-manager' but no CACHE_MANAGER is registered: import CacheModule.register({ isGlobal: true }) from @nestjs/cache-manager`,
    );
  }
  return new CacheManagerResultStore<T>(cacheManager);
}

/** The introspection store, when introspection is configured. */
export function introspectionStore(
  config: ResolvedConfig,
  runtime: Runtime,
  redis: OwnedRedis,
  cacheManager: CacheManagerLike | undefined,
): ResultStore<IntrospectionResult> | undefined {
  return config.introspection && resultStore('introspection', config.introspection, config, runtime, redis, cacheManager);
}
