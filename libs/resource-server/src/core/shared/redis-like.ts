/**
 * The part of an `ioredis` client (a `Redis` or a `Cluster`) the library uses. Every key it touches is
 * used alone (no multi-key command), so any key may live on any Redis Cluster slot.
 */
export interface RedisLike {
  /** ioredis' connection state; 'ready' when commands can be sent. */
  readonly status?: string;
  get(key: string): Promise<string | null>;
  set(key: string, value: string, px: 'PX', ttlMs: number): Promise<unknown>;
  set(key: string, value: string, px: 'PX', ttlMs: number, nx: 'NX'): Promise<'OK' | null>;
  hset(key: string, values: Record<string, string>): Promise<number>;
  hgetall(key: string): Promise<Record<string, string>>;
  hdel(key: string, ...fields: string[]): Promise<number>;
  pexpire(key: string, ms: number): Promise<number>;
  publish(channel: string, message: string): Promise<number>;
  subscribe(channel: string): Promise<unknown>;
  /** A second connection with the same options (a subscribed connection can do nothing else). */
  duplicate(): RedisLike;
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
  on(event: 'ready' | 'end' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  quit(): Promise<unknown>;
  /** Closes the connection at once, without waiting for replies (ioredis' `disconnect`). */
  disconnect?(): void;
}

/**
 * Whether commands can be sent now. While ioredis reconnects it queues commands until its retry
 * limit: callers with a local fallback skip Redis instead of waiting on every request.
 */
export function redisReady(redis: RedisLike): boolean {
  return redis.status === undefined || redis.status === 'ready';
}

/**
 * Closes a connection the library opened: QUIT when connected (bounded: a half-dead connection never
 * answers), then drops it, so no reconnection timer keeps the process alive.
 */
export async function closeRedis(redis: RedisLike, timeoutMs = 1000): Promise<void> {
  if (redisReady(redis)) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([redis.quit().catch(() => undefined), timeout]);
    clearTimeout(timer);
  }
  redis.disconnect?.();
}
