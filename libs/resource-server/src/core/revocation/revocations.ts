// Revocation: deny tokens before their `exp` - one token (jti), one session (sid), or every token of a
// subject issued up to a cut-off (sub). The check on the request path is a local map lookup; sharing
// between instances (Redis pub/sub) happens beside it, never per request.
import { InvalidRequestError } from '../../errors/resource-server.error.js';
import { OutageLog, type Runtime } from '../runtime.js';
import type { RevocationBackend } from './revocation-backend.js';
import { RevocationList, type RevocableClaims, type RevocationEntry, type RevocationKind } from './revocation-list.js';

/** What to revoke: exactly one of `jti`, `sid` or `sub`. */
export interface RevocationRequest {
  readonly jti?: string;
  readonly sid?: string;
  readonly sub?: string;
  /**
   * For `sub` and `sid`: revoke the tokens issued at or before this time (seconds since the epoch).
   * Default: now for `sub` (every token issued so far); every token of the session for `sid`.
   */
  readonly issuedBefore?: number;
  /** For `jti`: the token's `exp`, when known, so the entry is dropped as soon as it is useless. */
  readonly expiresAt?: number;
}

/** Revocation settings, resolved. */
export interface RevocationSettings {
  /** Longest access-token lifetime of the issuers, seconds: how long an entry must be kept. */
  readonly maxTokenLifetime: number;
  /** Most entries kept; a revocation beyond it is refused (never is an older one dropped). */
  readonly maxEntries: number;
  /** How often expired entries are forgotten, ms. */
  readonly pruneIntervalMs: number;
  /** While the shared store is unreachable, how often to try again, ms. @default 1000 */
  readonly retryIntervalMs?: number;
}

/** Revocations of this process, shared through a backend when one is configured. */
export class Revocations {
  private readonly list: RevocationList;
  private readonly outage: OutageLog;
  private timers: NodeJS.Timeout[] = [];
  /** The last command to the shared store succeeded. */
  private shared = true;
  /** Messages from the other instances arrive (the subscription is up). */
  private subscribed = false;

  constructor(
    private readonly settings: RevocationSettings,
    private readonly runtime: Runtime,
    private readonly backend?: RevocationBackend,
  ) {
    this.list = new RevocationList(settings.maxEntries);
    this.outage = new OutageLog(runtime, 'Redis (shared revocations, keeping the last known list meanwhile)');
  }

  /** Entries known here. */
  get size(): number {
    return this.list.size;
  }

  /** False while the shared store cannot be reached (the local list is then the last known one). */
  get inSync(): boolean {
    return this.backend === undefined || (this.shared && this.subscribed);
  }

  /** Loads the shared list and starts following it; never throws (an unreachable Redis is retried). */
  async start(): Promise<void> {
    this.every(this.settings.pruneIntervalMs, () => void this.prune());
    if (!this.backend) return;
    // Reconnection normally triggers onSync; this catches a sync that failed half-way (e.g. the
    // subscription came back before the command connection did).
    this.every(this.settings.retryIntervalMs ?? 1000, () => void (this.shared ? undefined : this.sync()));
    try {
      await this.backend.subscribe({
        onEntries: (entries) => this.apply(entries),
        onSync: () => {
          this.subscribed = true;
          void this.sync();
        },
        onLost: (cause) => {
          this.subscribed = false;
          this.unreachable(cause);
        },
      });
      this.subscribed = true;
      await this.sync();
    } catch (error) {
      this.unreachable(error);
    }
  }

  async stop(): Promise<void> {
    for (const timer of this.timers.splice(0)) clearInterval(timer);
    await this.backend?.close();
  }

  /** The kind of revocation that covers these claims, if any. Synchronous and local. */
  revokedBy(claims: RevocableClaims): RevocationKind | undefined {
    return this.list.revokedBy(claims);
  }

  /**
   * Revokes at once on this instance, then shares it. Throws `InvalidRequestError` for a malformed
   * request or a full list. When Redis is down the revocation still holds here and reaches Redis on
   * reconnection.
   */
  async revoke(request: RevocationRequest): Promise<RevocationEntry> {
    const entry = this.entryFor(request);
    if (!this.list.add(entry)) throw new InvalidRequestError('revocation_list_full');
    await this.share([entry]);
    return entry;
  }

  /** Adds entries received from another instance. */
  apply(entries: readonly RevocationEntry[]): void {
    for (const entry of entries) this.list.add(entry);
  }

  /** Reloads the shared list and writes back whatever it lost (a Redis restarted empty). */
  async sync(): Promise<void> {
    if (!this.backend) return;
    try {
      const remote = await this.backend.load();
      const known = new Set(remote.map((e) => `${e.kind}:${e.value}:${e.before}:${e.until}`));
      this.apply(remote);
      const lost = this.list.entries().filter((e) => !known.has(`${e.kind}:${e.value}:${e.before}:${e.until}`));
      await this.backend.publish(lost);
      this.reachable();
    } catch (error) {
      this.unreachable(error);
    }
  }

  private entryFor(request: RevocationRequest): RevocationEntry {
    const now = Math.floor(this.runtime.now() / 1000);
    const named = (['jti', 'sid', 'sub'] as const).filter((k) => request[k] !== undefined);
    const kind = named[0];
    const value = kind === undefined ? undefined : request[kind];
    if (named.length !== 1 || typeof value !== 'string' || value.length === 0 || value.length > 1024) {
      throw new InvalidRequestError('invalid_revocation');
    }
    const lifetime = this.settings.maxTokenLifetime;
    if (kind === 'jti')
      return { kind, value, until: Math.min(request.expiresAt ?? now + lifetime, now + lifetime) + 1 };
    const before = request.issuedBefore ?? (kind === 'sub' ? now : undefined);
    return { kind, value, ...(before === undefined ? {} : { before }), until: (before ?? now) + lifetime + 1 };
  }

  private async share(entries: RevocationEntry[]): Promise<void> {
    if (!this.backend) return;
    try {
      await this.backend.publish(entries);
      this.reachable();
    } catch (error) {
      this.unreachable(error); // re-seeded from this list on reconnection
    }
  }

  private every(ms: number, task: () => void): void {
    const timer = setInterval(task, ms);
    timer.unref();
    this.timers.push(timer);
  }

  private async prune(): Promise<void> {
    const dropped = this.list.prune(Math.floor(this.runtime.now() / 1000));
    if (dropped.length > 0) await this.backend?.remove(dropped).catch(() => undefined);
  }

  private reachable(): void {
    this.shared = true;
    this.outage.recovered();
  }

  private unreachable(error: unknown): void {
    this.shared = false;
    this.outage.failed(error);
  }
}
