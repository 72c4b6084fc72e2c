// RFC 9449 §11.1: a DPoP proof is used once. Its `jti` is remembered for as long as the proof could
// still be accepted (its iat window); a second use within that time is a replay.

/**
 * Where the `jti`s of accepted DPoP proofs are remembered. The default is a bounded in-memory store
 * (one process); several instances need a shared one, e.g. Redis `SET key 1 NX PXAT expiresAt`.
 * Pass it as `dpopProof.replayStore`, or provide it under the `DPOP_REPLAY_STORE` token.
 * @example
 * ```ts
 * // The contract, shown with a Map (a real shared store does this atomically, e.g. Redis SET NX PXAT).
 * const seen = new Map<string, number>();
 * const store: DpopReplayStore = {
 *   setIfAbsent: async (key, expiresAt) => {
 *     if ((seen.get(key) ?? 0) > Date.now()) return false;
 *     seen.set(key, expiresAt);
 *     return true;
 *   },
 * };
 * ```
 */
export interface DpopReplayStore {
  /**
   * Atomically records `key` until `expiresAt` (milliseconds since the epoch) unless it is already
   * recorded. Resolves `true` when it was recorded now (first use), `false` when it was already
   * there (a replay). Rejects when the store cannot answer: the request is then refused with 503,
   * never let through.
   */
  setIfAbsent(key: string, expiresAt: number): Promise<boolean>;
}

/**
 * The default replay store: at most `maxEntries` keys in this process, each dropped at its expiry.
 * When full of live keys it drops the oldest, and from then on refuses every key that expires no
 * later than the dropped one: a proof whose `jti` was forgotten can never be accepted twice (at worst
 * a burst of proofs over capacity makes honest clients retry with a fresh proof).
 */
export class MemoryReplayStore implements DpopReplayStore {
  private readonly entries = new Map<string, number>();
  private floor = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly now: () => number = () => Date.now(),
  ) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be a positive integer');
  }

  /** Keys held now (expired ones may still be counted until the next sweep). */
  get size(): number {
    return this.entries.size;
  }

  setIfAbsent(key: string, expiresAt: number): Promise<boolean> {
    return Promise.resolve(this.record(key, expiresAt));
  }

  /** The synchronous core of {@link setIfAbsent}. */
  record(key: string, expiresAt: number): boolean {
    const now = this.now();
    if (expiresAt <= this.floor) return false;
    const seen = this.entries.get(key);
    if (seen !== undefined && seen > now) return false;
    if (seen !== undefined) this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.makeRoom(now);
    this.entries.set(key, expiresAt);
    return true;
  }

  private makeRoom(now: number): void {
    for (const [key, expiry] of this.entries) {
      if (expiry <= now) this.entries.delete(key);
    }
    // Map order is insertion order: the first entries are the oldest. Making room for 1 % more keys
    // at once keeps a full store from sweeping on every insertion.
    const target = Math.floor(this.maxEntries * 0.99);
    for (const [key, expiry] of this.entries) {
      if (this.entries.size <= target) break;
      this.entries.delete(key);
      this.floor = Math.max(this.floor, expiry);
    }
  }
}
