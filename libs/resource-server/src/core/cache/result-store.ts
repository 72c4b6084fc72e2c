import { LruCache } from './lru-cache.js';

/**
 * Where results fetched from the issuer (userinfo, introspection) are kept between requests.
 * Keys are hashes of tokens, never tokens; values are plain JSON, so a shared store (Redis) can hold them.
 */
export interface ResultStore<T> {
  get(key: string): Promise<T | undefined>;
  set(key: string, value: T, ttlMs: number): Promise<void>;
}

/** The default: a bounded, per-process LRU. */
export class MemoryResultStore<T> implements ResultStore<T> {
  private readonly entries: LruCache<string, T>;

  constructor(
    maxEntries: number,
    private readonly now: () => number,
  ) {
    this.entries = new LruCache(maxEntries);
  }

  get(key: string): Promise<T | undefined> {
    return Promise.resolve(this.entries.get(key, this.now()));
  }

  set(key: string, value: T, ttlMs: number): Promise<void> {
    this.entries.set(key, value, this.now() + ttlMs);
    return Promise.resolve();
  }
}

/** The subset of cache-manager (v6+) that Nest's `CACHE_MANAGER` exposes and this library uses. */
export interface CacheManagerLike {
  get<T>(key: string): Promise<T | undefined | null>;
  /** `ttl` in milliseconds. */
  set<T>(key: string, value: T, ttl?: number): Promise<unknown>;
}

/** Delegates to the application's `CACHE_MANAGER` (Redis or any Keyv store), shared across instances. */
export class CacheManagerResultStore<T> implements ResultStore<T> {
  constructor(private readonly cache: CacheManagerLike) {}

  async get(key: string): Promise<T | undefined> {
    return (await this.cache.get<T>(key)) ?? undefined;
  }

  async set(key: string, value: T, ttlMs: number): Promise<void> {
    await this.cache.set(key, value, ttlMs);
  }
}

/** Which store the options asked for, and what the in-memory one may hold. */
export interface ResultStoreSettings {
  readonly store: 'memory' | 'cache-manager';
  readonly cacheMaxEntries: number;
}

/**
 * The one place a result store is chosen: a bounded in-memory LRU on the injected clock, or the
 * application's `CACHE_MANAGER`. Throws, saying what to import, when `'cache-manager'` is asked for
 * and none is registered.
 * @param option the option's name for the message, e.g. `userInfo.store`
 * @example
 * const store = createResultStore<UserInfo>(config.userInfo, runtime.now, cacheManager, 'userInfo.store');
 */
export function createResultStore<T>(
  settings: ResultStoreSettings,
  now: () => number,
  cacheManager: CacheManagerLike | undefined,
  option: string,
): ResultStore<T> {
  if (settings.store !== 'cache-manager') return new MemoryResultStore<T>(settings.cacheMaxEntries, now);
  if (!cacheManager) {
    throw new Error(
      `${option} is 'cache-manager' but no CACHE_MANAGER is registered: import CacheModule.register({ isGlobal: true }) from @nestjs/cache-manager`,
    );
  }
  return new CacheManagerResultStore<T>(cacheManager);
}

/**
 * How long a result about a token may be kept: at most `maxTtlMs`, and ending a second before the
 * token's `exp` (ms since epoch), since a shared store measures expiry on its own clock.
 */
export function ttlWithinExpiry(maxTtlMs: number, expMs: number | undefined, nowMs: number): number {
  return Math.min(maxTtlMs, expMs === undefined ? Number.POSITIVE_INFINITY : expMs - nowMs - 1000);
}

/**
 * Runs one load per key at a time: concurrent callers for the same key share the same promise.
 * The map holds only loads in flight, so it is bounded by concurrency.
 */
export class SingleFlight<T> {
  private readonly inflight = new Map<string, Promise<T>>();

  run(key: string, load: () => Promise<T>): Promise<T> {
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = load().finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return pending;
  }
}
