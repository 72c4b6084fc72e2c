import type { Telemetry } from './telemetry/telemetry.js';

/** The minimal logger the core writes to; Nest's `Logger` satisfies it. */
export interface CoreLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** What every outbound-calling component shares: the clock, the logger and the call limits. */
export interface Runtime {
  /** Current time in milliseconds (injectable for tests). */
  now: () => number;
  logger: CoreLogger;
  /** Timeout of every outbound call, ms. */
  httpTimeoutMs: number;
  /** Largest response body read from the issuer, bytes. */
  maxResponseBytes: number;
  /** Where outbound calls and cache lookups are reported; nothing when absent. */
  telemetry?: Telemetry;
}

/**
 * Tracks one failure episode of an upstream so that it is logged once when it starts and once when
 * it ends, never per request.
 */
export class OutageLog {
  private failingSince: number | undefined;
  /** `up` after a success, `down` after a failure, undefined before any call (for health checks). */
  state: 'up' | 'down' | undefined;
  /** Why the current outage started; undefined while up. */
  lastError: string | undefined;

  constructor(
    private readonly runtime: Runtime,
    private readonly what: string,
  ) {}

  failed(cause: unknown): void {
    this.state = 'down';
    if (this.failingSince !== undefined) return;
    this.failingSince = this.runtime.now();
    const reason = cause instanceof Error ? cause.message : String(cause);
    this.lastError = reason;
    this.runtime.logger.error(`${this.what} unavailable: ${reason}`);
  }

  recovered(): void {
    this.state = 'up';
    this.lastError = undefined;
    if (this.failingSince === undefined) return;
    const seconds = Math.round((this.runtime.now() - this.failingSince) / 1000);
    this.failingSince = undefined;
    this.runtime.logger.log(`${this.what} available again after ${seconds} s`);
  }
}
