// Bounds outbound introspection calls: in `auto` and `opaque` mode every distinct made-up token
// would otherwise cost the issuer one call. Beyond the bound a request is refused at once (never
// queued, so memory and latency stay bounded too), and the caller is told when to retry.

/** What a refused call is told. */
export interface LimiterRefusal {
  /** Which bound was hit. */
  readonly reason: 'concurrency' | 'rate';
  /** Whole seconds after which a retry may get through. */
  readonly retryAfterSeconds: number;
}

/**
 * A concurrency cap plus a token bucket (capacity one second's worth, refilled continuously) on the
 * injected clock.
 * @example
 * const limiter = new CallLimiter(10, 50, runtime.now);
 * const refusal = limiter.tryAcquire();
 * if (refusal) throw busy(refusal.retryAfterSeconds);
 * try { await call(); } finally { limiter.release(); }
 */
export class CallLimiter {
  private inFlight = 0;
  private tokens: number;
  private refilledAt: number;

  constructor(
    private readonly maxConcurrent: number,
    private readonly perSecond: number,
    private readonly now: () => number,
  ) {
    this.tokens = Math.max(1, perSecond);
    this.refilledAt = now();
  }

  /** Calls currently holding a slot. */
  get active(): number {
    return this.inFlight;
  }

  /** Takes a slot and returns undefined, or returns why not; a refusal takes nothing. */
  tryAcquire(): LimiterRefusal | undefined {
    if (this.inFlight >= this.maxConcurrent) return { reason: 'concurrency', retryAfterSeconds: 1 };
    this.refill();
    if (this.tokens < 1) {
      return { reason: 'rate', retryAfterSeconds: Math.max(1, Math.ceil((1 - this.tokens) / this.perSecond)) };
    }
    this.tokens -= 1;
    this.inFlight += 1;
    return undefined;
  }

  /** Gives back the slot of a call that ended (its rate token stays spent). */
  release(): void {
    if (this.inFlight > 0) this.inFlight -= 1;
  }

  private refill(): void {
    const now = this.now();
    // A clock that steps back refills nothing rather than going negative.
    const elapsed = Math.max(0, now - this.refilledAt);
    this.refilledAt = now;
    this.tokens = Math.min(Math.max(1, this.perSecond), this.tokens + (elapsed * this.perSecond) / 1000);
  }
}
