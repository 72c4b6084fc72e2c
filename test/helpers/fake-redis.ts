/**
 * An in-memory stand-in for the part of ioredis the library uses (`RedisLike`), for unit specs that
 * must run without a Redis (`npm test`). The real thing is exercised by `npm run test:redis`.
 * `kill()` and `restart()` mimic an outage: clients turn 'reconnecting' and emit 'close', then
 * 'ready' (subscriptions survive, as with ioredis' autoResubscribe); a restart loses every key.
 */
import type { RedisLike } from '../../libs/resource-server/src/core/shared/redis-like.js';

type Listener = (...args: never[]) => void;

export class FakeRedisServer {
  readonly strings = new Map<string, { value: string; expiresAt: number }>();
  readonly hashes = new Map<string, Map<string, string>>();
  readonly ttls = new Map<string, number>();
  readonly clients = new Set<FakeRedis>();
  up = true;

  constructor(readonly now: () => number = Date.now) {}

  client(): FakeRedis {
    const client = new FakeRedis(this);
    this.clients.add(client);
    return client;
  }

  kill(): void {
    this.up = false;
    for (const c of this.clients) c.drop();
  }

  restart(): void {
    this.strings.clear();
    this.hashes.clear();
    this.ttls.clear();
    this.up = true;
    for (const c of this.clients) c.reconnect();
  }
}

export class FakeRedis implements RedisLike {
  status = 'ready';
  readonly channels = new Set<string>();
  private readonly listeners = new Map<string, Listener[]>();
  /** Makes the next commands reject (a command that fails while the connection looks fine). */
  failCommands = false;

  constructor(private readonly server: FakeRedisServer) {}

  private async run<T>(command: () => T): Promise<T> {
    await Promise.resolve();
    if (!this.server.up || this.status !== 'ready' || this.failCommands) throw new Error('Connection is closed.');
    return command();
  }

  get(key: string): Promise<string | null> {
    return this.run(() => {
      const entry = this.server.strings.get(key);
      return entry && entry.expiresAt > this.server.now() ? entry.value : null;
    });
  }

  set(key: string, value: string, px: 'PX', ttlMs: number): Promise<unknown>;
  set(key: string, value: string, px: 'PX', ttlMs: number, nx: 'NX'): Promise<'OK' | null>;
  set(key: string, value: string, _px: 'PX', ttlMs: number, nx?: 'NX'): Promise<'OK' | null> {
    return this.run(() => {
      const existing = this.server.strings.get(key);
      if (nx && existing && existing.expiresAt > this.server.now()) return null;
      this.server.strings.set(key, { value, expiresAt: this.server.now() + ttlMs });
      return 'OK' as const;
    });
  }

  hset(key: string, values: Record<string, string>): Promise<number> {
    return this.run(() => {
      const hash = this.server.hashes.get(key) ?? new Map<string, string>();
      this.server.hashes.set(key, hash);
      let added = 0;
      for (const [field, value] of Object.entries(values)) {
        if (!hash.has(field)) added++;
        hash.set(field, value);
      }
      return added;
    });
  }

  hgetall(key: string): Promise<Record<string, string>> {
    return this.run(() => Object.fromEntries(this.server.hashes.get(key) ?? []));
  }

  hdel(key: string, ...fields: string[]): Promise<number> {
    return this.run(() => fields.filter((f) => this.server.hashes.get(key)?.delete(f)).length);
  }

  pexpire(key: string, ms: number): Promise<number> {
    return this.run(() => (this.server.ttls.set(key, ms), 1));
  }

  publish(channel: string, message: string): Promise<number> {
    return this.run(() => {
      const receivers = [...this.server.clients].filter((c) => c.channels.has(channel) && c.status === 'ready');
      for (const c of receivers) queueMicrotask(() => c.emit('message', channel, message));
      return receivers.length;
    });
  }

  subscribe(channel: string): Promise<unknown> {
    return this.run(() => this.channels.add(channel).size);
  }

  duplicate(): FakeRedis {
    return this.server.client();
  }

  on(event: string, listener: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }

  emit(event: string, ...args: unknown[]): void {
    for (const listener of this.listeners.get(event) ?? []) (listener as (...a: unknown[]) => void)(...args);
  }

  async quit(): Promise<unknown> {
    this.server.clients.delete(this);
    this.status = 'end';
    this.emit('close');
    return 'OK';
  }

  drop(): void {
    this.status = 'reconnecting';
    this.emit('close');
  }

  reconnect(): void {
    this.status = 'ready';
    this.emit('ready');
  }
}
