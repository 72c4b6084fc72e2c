// The Telemetry sink over @opentelemetry/api (an optional peer, imported lazily at startup). Counters
// on the hot path are summed in process and reported through observable counters at collection
// time, so a cached verification costs a map lookup, not an SDK call. Attributes are codes and names.
import type { Attributes, Histogram, Meter, Tracer } from '@opentelemetry/api';
import type * as OtelApiModule from '@opentelemetry/api';
import {
  cachedAcceptance,
  NO_TELEMETRY,
  type CacheName,
  type OutboundKind,
  type Telemetry,
  type VerificationRecord,
} from '../core/telemetry/telemetry.js';

type OtelApi = typeof OtelApiModule;

/** The instrumentation scope name of every meter and tracer of the library. */
export const INSTRUMENTATION_SCOPE = 'nestjs-resource-server';

/** One attribute set's running sum. */
interface TallyEntry {
  readonly attributes: Attributes;
  value: number;
}

/** Sums per attribute set, observed at collection time. */
class Tally {
  private readonly entries = new Map<string, TallyEntry>();

  /** The sum of `key`, building its attributes only the first time. */
  entry(key: string, attributes: () => Attributes): TallyEntry {
    let entry = this.entries.get(key);
    if (!entry) this.entries.set(key, (entry = { attributes: attributes(), value: 0 }));
    return entry;
  }

  /** Adds one for `key`, building its attributes only the first time. */
  add(key: string, attributes: () => Attributes): Attributes {
    const entry = this.entry(key, attributes);
    entry.value++;
    return entry.attributes;
  }

  observe(result: { observe(value: number, attributes: Attributes): void }): void {
    for (const { attributes, value } of this.entries.values()) result.observe(value, attributes);
  }
}

function verificationAttributes(r: VerificationRecord): Attributes {
  return {
    'resource_server.outcome': r.outcome,
    'resource_server.token_format': r.tokenFormat,
    'resource_server.cached': r.cached,
    ...(r.issuer === undefined ? {} : { 'resource_server.issuer': r.issuer }),
    ...(r.errorCode === undefined ? {} : { 'error.type': r.errorCode }),
  };
}

class OpenTelemetrySink implements Telemetry {
  readonly enabled = true;
  private readonly verifications = new Tally();
  private readonly cacheLookups = new Tally();
  /** Per trusted issuer: its sums for an admission from the verified-token cache (verification, lookup). */
  private readonly fromCache = new Map<string, readonly [TallyEntry, TallyEntry]>();
  private readonly verificationTime: Histogram;
  private readonly outboundCalls;
  private readonly outboundTime: Histogram;

  constructor(
    private readonly api: OtelApi,
    meter: Meter,
    private readonly tracer: Tracer,
  ) {
    // Summed here, observed at collection: a cached verification must stay a map lookup away.
    meter
      .createObservableCounter('resource_server.verifications', {
        description: 'Access token verifications by outcome',
        unit: '{verification}',
      })
      .addCallback((result) => this.verifications.observe(result));
    meter
      .createObservableCounter('resource_server.cache.lookups', {
        description: 'Cache lookups by cache and result (hit ratio = hit / all)',
        unit: '{lookup}',
      })
      .addCallback((result) => this.cacheLookups.observe(result));
    this.verificationTime = meter.createHistogram('resource_server.verification.duration', {
      description: 'Time to verify an access token',
      unit: 's',
    });
    this.outboundCalls = meter.createCounter('resource_server.outbound.calls', {
      description: 'Calls to the issuer by kind and outcome',
      unit: '{call}',
    });
    this.outboundTime = meter.createHistogram('resource_server.outbound.duration', {
      description: 'Duration of calls to the issuer',
      unit: 's',
    });
  }

  verification(r: VerificationRecord): void {
    const attributes = this.verifications.add(this.verificationKey(r), () => verificationAttributes(r));
    if (r.durationMs !== undefined) this.verificationTime.record(r.durationMs / 1000, attributes);
  }

  cacheLookup(cache: CacheName, hit: boolean): void {
    this.cacheLookups.add(`${cache}|${hit ? 1 : 0}`, () => ({
      'resource_server.cache': cache,
      'resource_server.cache.result': hit ? 'hit' : 'miss',
    }));
  }

  acceptedFromCache(issuer: string): void {
    let sums = this.fromCache.get(issuer);
    if (!sums) {
      const record = cachedAcceptance(issuer);
      const verification = this.verifications.entry(this.verificationKey(record), () => verificationAttributes(record));
      const lookup = this.cacheLookups.entry('verified_token|1', () => ({
        'resource_server.cache': 'verified_token',
        'resource_server.cache.result': 'hit',
      }));
      this.fromCache.set(issuer, (sums = [verification, lookup]));
    }
    sums[0].value++;
    sums[1].value++;
  }

  private verificationKey(r: VerificationRecord): string {
    return `${r.outcome}|${r.errorCode ?? ''}|${r.issuer ?? ''}|${r.tokenFormat}|${r.cached ? 1 : 0}`;
  }

  outbound<T>(kind: OutboundKind, issuer: string, call: () => Promise<T>): Promise<T> {
    const { SpanKind, SpanStatusCode } = this.api;
    const attributes = { 'resource_server.call': kind, 'resource_server.issuer': issuer };
    return this.tracer.startActiveSpan(
      `resource_server ${kind}`,
      { kind: SpanKind.CLIENT, attributes },
      async (span) => {
        const startedAt = performance.now();
        let outcome = 'ok';
        try {
          return await call();
        } catch (error) {
          outcome = 'error';
          // The error's name and message name a URL and a reason, never a token or a secret.
          span.setStatus({
            code: SpanStatusCode.ERROR,
            message: error instanceof Error ? error.message : String(error),
          });
          throw error;
        } finally {
          const measured = { ...attributes, 'resource_server.outcome': outcome };
          this.outboundCalls.add(1, measured);
          this.outboundTime.record((performance.now() - startedAt) / 1000, measured);
          span.setAttribute('resource_server.outcome', outcome);
          span.end();
        }
      },
    );
  }
}

/**
 * OpenTelemetry when `@opentelemetry/api` can be imported, else nothing. The meter and tracer come
 * from the global providers: register the SDK before the application is created.
 */
export async function loadTelemetry(enabled: boolean): Promise<Telemetry> {
  if (!enabled) return NO_TELEMETRY;
  let api: OtelApi;
  try {
    api = await import('@opentelemetry/api');
  } catch {
    return NO_TELEMETRY;
  }
  return new OpenTelemetrySink(
    api,
    api.metrics.getMeter(INSTRUMENTATION_SCOPE),
    api.trace.getTracer(INSTRUMENTATION_SCOPE),
  );
}
