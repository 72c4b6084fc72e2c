import type { ResolvedConfig } from '../core/config/config.js';
import type { IntrospectionResult } from '../core/introspection/introspection.js';
import {
  createResultStore,
  MemoryResultStore,
  type CacheManagerLike,
  type ResultStore,
  type ResultStoreSettings,
} from '../core/cache/result-store.js';
import type { Runtime } from '../core/runtime.js';
import { RedisResultStore } from '../core/shared/redis-result-store.js';
import type { OwnedRedis } from './redis-client.provider.js';

/**
 * The store of one kind of result: Redis when `redis` is configured (the local LRU as its fallback),
 * the app's `CACHE_MANAGER` when asked for, else the bounded local LRU.
 */
export function resultStore<T>(
  kind: 'introspection' | 'userinfo',
  settings: ResultStoreSettings,
  config: ResolvedConfig,
  runtime: Runtime,
  redis: OwnedRedis,
  cacheManager: CacheManagerLike | undefined,
): ResultStore<T> {
  if (redis.client) {
    const local = new MemoryResultStore<T>(settings.cacheMaxEntries, runtime.now);
    return new RedisResultStore<T>(redis.client, `${config.redis!.keyPrefix}:${kind}:`, local, runtime);
  }
  return createResultStore<T>(settings, runtime.now, cacheManager, `${kind === 'userinfo' ? 'userInfo' : kind}.store`);
}

/** The introspection store, when introspection is configured. */
export function introspectionStore(
  config: ResolvedConfig,
  runtime: Runtime,
  redis: OwnedRedis,
  cacheManager: CacheManagerLike | undefined,
): ResultStore<IntrospectionResult> | undefined {
  return (
    config.introspection && resultStore('introspection', config.introspection, config, runtime, redis, cacheManager)
  );
}
