// RFC 7517 §5 key sets, fetched from the issuer's `jwks_uri` and held as KeyObjects. Built for the
// ways key sets fail in production: rotation (unknown kid refetches), floods of random kids
// (single flight, cooldown, negative cache), outages (stale keys keep working for a bounded time).
import { InvalidTokenError, UpstreamError } from '../../errors/resource-server.error.js';
import type { JwsAlgorithm } from '../jose/algorithms.js';
import { fetchJsonObject } from './http-client.js';
import { importJwk, type VerificationKey } from '../jose/jwk.js';
import { LruCache } from '../cache/lru-cache.js';
import { OutageLog, type Runtime } from '../runtime.js';
import { traced } from '../telemetry/telemetry.js';

/** Tuning of one key set. All durations in milliseconds. */
export interface KeyStoreSettings {
  /** Age after which the key set is refreshed in the background while still in use. */
  cacheMaxAge: number;
  /** Age after which keys are no longer used when every refresh since has failed. */
  maxStaleAge: number;
  /** Minimum time between two fetches caused by an unknown `kid`. */
  refetchCooldown: number;
  /** While the JWKS endpoint is failing, minimum time between two attempts. */
  retryInterval: number;
  /** How long a `kid` found absent is answered without another look. */
  negativeCacheTtl: number;
  /** How many absent `kid`s are remembered at most. */
  negativeCacheSize: number;
  /** Keys read from one key set at most; the rest are ignored. */
  maxKeys: number;
}

/** A key set's state, for health checks. */
export interface KeyStoreStatus {
  /** Usable keys held (0 when none, or when they are past `maxStaleAge`). */
  readonly keys: number;
  /** Milliseconds since the held keys were fetched. */
  readonly ageMs: number | undefined;
  /** Whether the last fetch failed. */
  readonly refreshFailing: boolean;
  /** Why the last fetch failed (no secret: a URL and a reason). */
  readonly lastError: string | undefined;
  /** Whether keys are used past `cacheMaxAge` or while refreshes fail. */
  readonly servingStaleKeys: boolean;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

interface KeySet {
  readonly byKid: ReadonlyMap<string, readonly VerificationKey[]>;
  readonly all: readonly VerificationKey[];
  readonly fetchedAt: number;
}

/** One issuer's signing keys. */
export class JwksKeyStore {
  private keys: KeySet | undefined;
  private inflight: Promise<boolean> | undefined;
  private lastAttemptAt = Number.NEGATIVE_INFINITY;
  private lastFetchFailed = false;
  private lastError: unknown;
  private readonly absent: LruCache<string, true>;
  private readonly outage: OutageLog;

  constructor(
    private readonly issuer: string,
    private readonly resolveJwksUri: () => Promise<string>,
    private readonly settings: KeyStoreSettings,
    private readonly runtime: Runtime,
    /** Called when a fetch fails, e.g. to re-read discovery in case the JWKS moved. */
    private readonly onFetchFailure: (error: unknown) => void = () => undefined,
  ) {
    this.absent = new LruCache(settings.negativeCacheSize);
    this.outage = new OutageLog(runtime, `JWKS of ${issuer}`);
  }

  /**
   * The key that may verify a token with this `kid` and `alg`.
   * Throws {@link InvalidTokenError} when the key set does not have it, and {@link UpstreamError}
   * when the key set cannot be had, or a refetch that could have found the key failed.
   */
  async getKey(kid: string | undefined, alg: JwsAlgorithm): Promise<VerificationKey> {
    let found = this.select(await this.currentKeys(), kid, alg);
    if (found) return found;
    if (kid === undefined || this.absent.get(kid, this.runtime.now()) !== undefined) {
      throw new InvalidTokenError('unknown_key');
    }
    if (this.inflight || this.mayAttempt(this.settings.refetchCooldown)) {
      // A kid we do not know may be a key the issuer just rotated in.
      const fetched = await this.refresh();
      found = this.keys && this.select(this.keys, kid, alg);
      if (found) return found;
      if (!fetched) throw this.unavailable();
      this.absent.set(kid, true, this.runtime.now() + this.settings.negativeCacheTtl);
      throw new InvalidTokenError('unknown_key');
    }
    // Cooling down: the last fetch is recent. If it failed, the key may well exist.
    if (this.lastFetchFailed) throw this.unavailable();
    throw new InvalidTokenError('unknown_key');
  }

  /**
   * Whether this key may still vouch for a cached verification: it is in the current key set and the
   * set is within `maxStaleAge`. Like a lookup, an aged set starts a background refresh, so a key the
   * issuer removed stops vouching even when only cached tokens arrive. `now`: the runtime's clock,
   * when the caller has just read it.
   */
  holds(key: VerificationKey, now = this.runtime.now()): boolean {
    const keys = this.keys;
    if (!keys?.all.includes(key)) return false;
    const age = now - keys.fetchedAt;
    if (age > this.settings.cacheMaxAge && this.mayAttempt(0)) void this.refresh();
    return age <= this.settings.maxStaleAge;
  }

  /** The state of the key set, for health checks. Reads nothing from the network. */
  status(): KeyStoreStatus {
    const keys = this.keys;
    const ageMs = keys ? this.runtime.now() - keys.fetchedAt : undefined;
    const usable = ageMs !== undefined && ageMs <= this.settings.maxStaleAge;
    return {
      keys: usable ? keys!.all.length : 0,
      ageMs: usable ? ageMs : undefined,
      refreshFailing: this.lastFetchFailed,
      lastError: this.lastFetchFailed ? errorText(this.lastError) : undefined,
      servingStaleKeys: usable && (this.lastFetchFailed || ageMs > this.settings.cacheMaxAge),
    };
  }

  /** Whether keys can be had now, fetching them (within the usual rate limits) when none are held. Never throws. */
  async ready(): Promise<boolean> {
    try {
      await this.currentKeys();
      return true;
    } catch {
      return false;
    }
  }

  /** Fetches the key set now; resolves to whether it worked. Never throws. */
  warmUp(): Promise<boolean> {
    return this.refresh();
  }

  private async currentKeys(): Promise<KeySet> {
    const keys = this.keys;
    const age = keys ? this.runtime.now() - keys.fetchedAt : Number.POSITIVE_INFINITY;
    if (keys && age <= this.settings.cacheMaxAge) return keys;
    if (keys && age <= this.settings.maxStaleAge) {
      if (this.mayAttempt(0)) void this.refresh(); // the current keys answer while the new set loads
      return keys;
    }
    if (this.inflight || this.mayAttempt(0)) await this.refresh();
    const fresh = this.keys;
    if (fresh && this.runtime.now() - fresh.fetchedAt <= this.settings.maxStaleAge) return fresh;
    this.keys = undefined; // too old to trust any longer
    throw this.unavailable();
  }

  private mayAttempt(minimumGap: number): boolean {
    const gap = this.lastFetchFailed ? Math.max(minimumGap, this.settings.retryInterval) : minimumGap;
    return !this.inflight && this.runtime.now() - this.lastAttemptAt >= gap;
  }

  private unavailable(): UpstreamError {
    return new UpstreamError('keys_unavailable', 503, {
      cause: this.lastError,
      retryAfterSeconds: Math.max(1, Math.ceil(this.settings.retryInterval / 1000)),
    });
  }

  private select(set: KeySet, kid: string | undefined, alg: JwsAlgorithm): VerificationKey | undefined {
    if (kid === undefined) {
      // Without a kid a key is used only when exactly one fits: never try several.
      const fitting = set.all.filter((k) => k.algorithms.has(alg));
      return fitting.length === 1 ? fitting[0] : undefined;
    }
    const withKid = set.byKid.get(kid);
    if (!withKid) return undefined;
    const key = withKid.find((k) => k.algorithms.has(alg));
    if (!key) throw new InvalidTokenError('key_mismatch');
    return key;
  }

  private refresh(): Promise<boolean> {
    this.inflight ??= this.fetchKeys().finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  private async fetchKeys(): Promise<boolean> {
    this.lastAttemptAt = this.runtime.now();
    try {
      const uri = await this.resolveJwksUri();
      const limits = { timeoutMs: this.runtime.httpTimeoutMs, maxBytes: this.runtime.maxResponseBytes };
      const { json } = await traced(this.runtime, 'jwks', this.issuer, () => fetchJsonObject(uri, limits));
      this.install(json);
      this.lastFetchFailed = false;
      this.outage.recovered();
      return true;
    } catch (error) {
      this.lastFetchFailed = true;
      this.lastError = error;
      this.outage.failed(error);
      this.onFetchFailure(error);
      return false;
    }
  }

  private install(jwks: Record<string, unknown>): void {
    if (!Array.isArray(jwks.keys)) throw new Error('JWKS has no "keys" array');
    const all: VerificationKey[] = [];
    const skipped: string[] = [];
    // A key that is still published keeps its object, so whatever was verified with it stays valid.
    const known = new Map(this.keys?.all.map((k) => [k.fingerprint, k]));
    for (const jwk of jwks.keys.slice(0, this.settings.maxKeys)) {
      const result = importJwk(jwk);
      if ('skipped' in result) skipped.push(result.skipped);
      else all.push(known.get(result.fingerprint) ?? result);
    }
    if (all.length === 0)
      throw new Error(`JWKS has no usable signing key${skipped.length ? ` (${skipped.join('; ')})` : ''}`);
    const byKid = new Map<string, VerificationKey[]>();
    for (const key of all) {
      if (key.kid !== undefined) byKid.set(key.kid, [...(byKid.get(key.kid) ?? []), key]);
    }
    const previous = this.keys;
    this.keys = { byKid, all, fetchedAt: this.runtime.now() };
    const kids = (set: KeySet | undefined) => set?.all.map((k) => k.kid ?? '(no kid)').join(', ');
    if (kids(previous) !== kids(this.keys)) {
      const ignored = skipped.length ? `; ignored ${skipped.length} (${[...new Set(skipped)].join('; ')})` : '';
      const extra = jwks.keys.length > this.settings.maxKeys ? `; read only the first ${this.settings.maxKeys}` : '';
      this.runtime.logger.log(
        `JWKS of ${this.issuer}: ${all.length} signing key(s) [${kids(this.keys)}]${ignored}${extra}`,
      );
    }
  }
}
