// What the core reports for metrics and traces, without knowing who listens: the module plugs in an
// OpenTelemetry implementation when @opentelemetry/api is installed, otherwise nothing is recorded.
// Attributes are names and codes only: never a token, a secret or a claim set.

/** The outbound calls the library makes. */
export type OutboundKind = 'discovery' | 'jwks' | 'introspection' | 'userinfo';

/** The caches whose hit ratio is reported. */
export type CacheName = 'verified_token' | 'introspection' | 'userinfo';

/** One verification as counted: its outcome and, for a refusal, the stable error code. */
export interface VerificationRecord {
  readonly outcome: 'accepted' | 'refused';
  readonly errorCode: string | undefined;
  /** A configured issuer, or undefined when the token named none. */
  readonly issuer: string | undefined;
  /** `none` when the call carried no token. */
  readonly tokenFormat: 'jwt' | 'opaque' | 'none';
  /** Whether the verified-token cache answered. */
  readonly cached: boolean;
  /**
   * Time spent, ms, for a verification that did work (signature, introspection); undefined for an
   * answer from the verified-token cache or a refusal before any (~2 µs: counted, not timed, to
   * keep the hot path free of histogram updates).
   */
  readonly durationMs: number | undefined;
}

/** The sink of the library's measurements. */
export interface Telemetry {
  /** Whether anything is recorded (a disabled sink lets callers skip even reading the clock). */
  readonly enabled: boolean;
  /** Counts and times a verification. */
  verification(record: VerificationRecord): void;
  /** Runs one outbound call inside a span, counting it and its duration. */
  outbound<T>(kind: OutboundKind, issuer: string, call: () => Promise<T>): Promise<T>;
  /** Counts a cache lookup. */
  cacheLookup(cache: CacheName, hit: boolean): void;
  /**
   * A call admitted from the verified-token cache (the hot path): the same as `verification` of an
   * accepted, cached JWT plus `cacheLookup('verified_token', true)`, without building either record.
   */
  acceptedFromCache(issuer: string): void;
}

/** The record `acceptedFromCache(issuer)` stands for: an accepted JWT, answered from the verified-token cache. */
export function cachedAcceptance(issuer: string): VerificationRecord {
  return { outcome: 'accepted', errorCode: undefined, issuer, tokenFormat: 'jwt', cached: true, durationMs: undefined };
}

/** Records nothing. */

export const NO_TELEMETRY: Telemetry = Object.freeze({
  enabled: false,
  verification: () => undefined,
  outbound: <T>(_kind: OutboundKind, _issuer: string, call: () => Promise<T>) => call(),
  cacheLookup: () => undefined,
  acceptedFromCache: () => undefined,
});

/** Runs an outbound call through the runtime's telemetry, if any. */
export function traced<T>(
  runtime: { telemetry?: Telemetry },
  kind: OutboundKind,
  issuer: string,
  call: () => Promise<T>,
): Promise<T> {
  return runtime.telemetry ? runtime.telemetry.outbound(kind, issuer, call) : call();
}
