// Revocations in Redis: one hash (field "<kind>:<value>", value the JSON entry) as the durable list,
// and one pub/sub channel on which every instance announces what it adds, so that the others apply it
// within milliseconds. Single-key commands only: works on Redis Cluster and Valkey.
import type { RedisLike } from '../shared/redis-like.js';
import type { RevocationBackend } from './revocation-backend.js';
import { isRevocationEntry, revocationField, type RevocationEntry } from './revocation-list.js';

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

  constructor(
    private readonly redis: RedisLike,
    private readonly key: string,
  ) {}

  async load(): Promise<RevocationEntry[]> {
    const all = await this.redis.hgetall(this.key);
    return Object.values(all).flatMap(parseEntries);
  }

  async publish(entries: readonly RevocationEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.redis.hset(this.key, Object.fromEntries(entries.map((e) => [revocationField(e), JSON.stringify(e)])));
    await this.redis.publish(this.key, JSON.stringify(entries));
  }

  async remove(entries: readonly RevocationEntry[]): Promise<void> {
    if (entries.length > 0) await this.redis.hdel(this.key, ...entries.map(revocationField));
  }

  async subscribe(handlers: { onEntries(entries: RevocationEntry[]): void; onSync(): void }): Promise<void> {
    const subscriber = (this.subscriber = this.redis.duplicate());
    subscriber.on('error', () => undefined); // reconnects on its own; the main client's errors are reported
    subscriber.on('message', (channel, message) => {
      if (channel === this.key) handlers.onEntries(parseEntries(message));
    });
    // 'ready' follows every (re)connection, after which ioredis has re-subscribed: messages published
    // while this instance was away are lost, so it reloads the whole list instead.
    subscriber.on('ready', () => handlers.onSync());
    await subscriber.subscribe(this.key);
  }

  async close(): Promise<void> {
    await this.subscriber?.quit().catch(() => undefined);
  }
}
