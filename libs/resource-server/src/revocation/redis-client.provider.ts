import { Logger, type FactoryProvider } from '@nestjs/common';
import type { ResolvedConfig } from '../core/config/config.js';
import type { RedisLike } from '../core/shared/redis-like.js';
import { REDIS_CLIENT, RESOLVED_CONFIG } from '../resource-server.tokens.js';

/** The library's own connection, when it opened one (it closes only those). */
export interface OwnedRedis {
  readonly client: RedisLike | undefined;
  readonly owned: boolean;
}

// Every command is bounded: a Redis outage costs at most a second per command before the local
// fallback answers, and commands are not queued for long while disconnected.
const CLIENT_OPTIONS = { maxRetriesPerRequest: 1, commandTimeout: 1000, connectTimeout: 2000 };

async function connect(url: string): Promise<RedisLike> {
  let Redis: new (url: string, options: object) => RedisLike;
  try {
    ({ Redis } = (await import('ioredis')) as unknown as { Redis: typeof Redis });
  } catch (cause) {
    throw new Error('`redis.url` needs the ioredis package: npm install ioredis', { cause });
  }
  const client = new Redis(url, CLIENT_OPTIONS);
  const logger = new Logger('ResourceServer');
  let reported = false;
  // ioredis reconnects by itself; the components log each outage once, so the connection errors are not repeated here.
  client.on('error', (error) => {
    if (!reported) logger.warn(`Redis connection error (reconnecting): ${error.message}`);
    reported = true;
  });
  client.on('ready', () => (reported = false));
  // Start with a connection when Redis is there (the first requests then share state at once), but
  // never fail or stall startup on it: ioredis keeps trying in the background.
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, CLIENT_OPTIONS.connectTimeout);
    client.on('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  return client;
}

/** Provides the Redis client of `redis: { url }` or `redis: { client }`, or none. */
export const redisClientProvider: FactoryProvider<OwnedRedis> = {
  provide: REDIS_CLIENT,
  useFactory: async (config: ResolvedConfig): Promise<OwnedRedis> => {
    if (!config.redis) return { client: undefined, owned: false };
    if (config.redis.client) return { client: config.redis.client, owned: false };
    return { client: await connect(config.redis.url!), owned: true };
  },
  inject: [RESOLVED_CONFIG],
};
