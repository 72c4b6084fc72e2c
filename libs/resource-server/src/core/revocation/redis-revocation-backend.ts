// Revocations in Redis: one hash (field "<kind>:<value>", value the JSON entry) as the durable list,
// and one pub/sub channel of the same name on which every instance announces what it adds, so that
// the others apply it within milliseconds. Single-key commands only (no MULTI, no multi-key command):
// works on Redis Cluster and Valkey. The hash expires once no entry it holds can matter any more.
import { closeRedis, type RedisLike } from '../shared/redis-like.js';
import type { RevocationBackend, RevocationBackendHandlers } from './revocation-backend.js';
import { isRevocationEntry, revocationField, type RevocationEntry } from './revocation-list.js';

const CHUNK = 1000;

function parseEntries(raw: string): RevocationEntry[] {
  try {
    const value: unknown = JSON.parse(raw);
    return (Array.isArray(value) ? value : [value]).filter(isRevocationEntry);
  } catch {
    return [];
  }
}

/** The Redis backend of the revocation list. */
export class RedisRevocationBackend implements RevocationBackend {
  private subscriber: RedisLike | undefined;
  private closed = false;

  /**
   * @param key the hash and the channel
   * @param retentionMs how long the hash is kept after the last write (entries never outlive it)
   */
  constructor(
    private readonly redis: RedisLike,
    private readonly key: string,
    private readonly retentionMs: number,
  ) {}

  async load(): Promise<RevocationEntry[]> {
    const all = await this.redis.hgetall(this.key);
    return Object.values(all).flatMap(parseEntries);
  }

  async publish(entries: readonly RevocationEntry[]): Promise<void> {
    // A re-seed can carry the whole list: a few hundred KB per command at most, not one huge one.
    for (let i = 0; i < entries.length; i += CHUNK) {
      const chunk = entries.slice(i, i + CHUNK);
      await this.redis.hset(this.key, Object.fromEntries(chunk.map((e) => [revocationField(e), JSON.stringify(e)])));
      await this.redis.publish(this.key, JSON.stringify(chunk));
    }
    if (entries.length > 0) await this.redis.pexpire(this.key, this.retentionMs);
  }

  async remove(entries: readonly RevocationEntry[]): Promise<void> {
    if (entries.length > 0) await this.redis.hdel(this.key, ...entries.map(revocationField));
  }

  async subscribe(handlers: RevocationBackendHandlers): Promise<void> {
    const subscriber = (this.subscriber = this.redis.duplicate());
    subscriber.on('error', () => undefined); // reconnects on its own; outages are reported through onLost
    subscriber.on('message', (channel, message) => {
      if (channel === this.key) handlers.onEntries(parseEntries(message));
    });
    subscriber.on('close', () => {
      if (!this.closed) handlers.onLost(new Error('the subscription connection to Redis was lost'));
    });
    // 'ready' follows every (re)connection, just before ioredis re-subscribes: once our own SUBSCRIBE
    // is answered (same connection, so after the automatic one) nothing published can be missed, and
    // the whole list is reloaded to catch what was published while this instance was away.
    subscriber.on('ready', () => {
      subscriber.subscribe(this.key).then(
        () => handlers.onSync(),
        () => undefined,
      );
    });
    await subscriber.subscribe(this.key);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.subscriber) await closeRedis(this.subscriber);
  }
}
