// RFC 7662 OAuth 2.0 Token Introspection: opaque access tokens are checked by asking the issuer.
// A token is trusted only on `active: true`, and then the same rules as for a JWT apply to the
// fields the issuer sends (iss, aud, exp, nbf, scope). Results are cached per token hash; calls
// are bounded in concurrency and rate (see CallLimiter).
import { InvalidTokenError, UpstreamError } from '../../errors/resource-server.error.js';
import type { IntrospectionConfig, IssuerConfig } from '../config/config.js';
import { isAcceptableEndpoint, type DiscoveryClient } from '../issuer/discovery.js';
import { fetchJsonObject, HttpClientError } from '../issuer/http-client.js';
import { buildPrincipal, type VerifiedPrincipal } from '../claims/principal.js';
import { SingleFlight, ttlWithinExpiry, type ResultStore } from '../cache/result-store.js';
import { hashToken } from '../cache/token-hash.js';
import { INTROSPECTION_PROFILE, validateClaims } from '../claims/claims.js';
import { CallLimiter } from './call-limiter.js';
import { OutageLog, type Runtime } from '../runtime.js';
import { traced } from '../telemetry/telemetry.js';

/** What is cached per token: the issuer's answer, plain JSON. */
export interface IntrospectionResult {
  readonly active: boolean;
  readonly claims?: Readonly<Record<string, unknown>>;
}

const KEY_PREFIX = 'nestjs-resource-server:introspection:';

// RFC 6749 §2.3.1: client credentials are form-urlencoded before they are put into HTTP Basic.
function basic(id: string, secret: string): string {
  const encode = (v: string) => encodeURIComponent(v).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(id)}:${encode(secret)}`).toString('base64')}`;
}

/** Introspects opaque tokens at one issuer. */
export class Introspector {
  private readonly flights = new SingleFlight<IntrospectionResult>();
  private readonly outage: OutageLog;
  private readonly busy: OutageLog;
  private readonly limiter: CallLimiter;

  constructor(
    private readonly issuer: IssuerConfig,
    private readonly discovery: DiscoveryClient,
    private readonly config: IntrospectionConfig,
    private readonly store: ResultStore<IntrospectionResult>,
    private readonly runtime: Runtime,
  ) {
    this.outage = new OutageLog(runtime, `Token introspection at ${issuer.issuer}`);
    this.busy = new OutageLog(
      runtime,
      `Token introspection capacity (${config.maxConcurrent} concurrent, ${config.maxRequestsPerSecond}/s) at ${issuer.issuer}`,
    );
    this.limiter = new CallLimiter(config.maxConcurrent, config.maxRequestsPerSecond, runtime.now);
  }

  /** Whether the endpoint answered the last call (undefined before any), and why not, for health checks. */
  status(): { reachable: boolean | undefined; lastError: string | undefined } {
    return {
      reachable: this.outage.state === undefined ? undefined : this.outage.state === 'up',
      lastError: this.outage.lastError,
    };
  }

  /** Returns the caller for an active token; throws `InvalidTokenError` or `UpstreamError` otherwise. */
  async introspect(token: string): Promise<VerifiedPrincipal> {
    const key = KEY_PREFIX + hashToken(token);
    // Only the call that leads a single flight takes a slot: cache hits and joiners cost nothing.
    const result = (await this.cached(key)) ?? (await this.flights.run(key, () => this.limited(token, key)));
    if (!result.active || !result.claims) throw new InvalidTokenError('inactive_token');
    validateClaims(result.claims, this.issuer, this.runtime.now() / 1000, INTROSPECTION_PROFILE);
    return buildPrincipal(token, result.claims, this.issuer, 'opaque');
  }

  private async limited(token: string, key: string): Promise<IntrospectionResult> {
    const refusal = this.limiter.tryAcquire();
    if (refusal) {
      this.busy.failed(new Error(`${refusal.reason} limit reached, refusing until a slot frees`));
      throw new UpstreamError('introspection_busy', 503, {
        cause: new Error(`introspection ${refusal.reason} limit reached`),
        retryAfterSeconds: refusal.retryAfterSeconds,
      });
    }
    this.busy.recovered();
    try {
      return await this.fetch(token, key);
    } finally {
      this.limiter.release();
    }
  }

  private async cached(key: string): Promise<IntrospectionResult | undefined> {
    try {
      const value = await this.store.get(key);
      this.runtime.telemetry?.cacheLookup('introspection', value !== undefined);
      return value;
    } catch (error) {
      this.runtime.logger.warn(`introspection cache read failed, asking the issuer instead: ${String(error)}`);
      return undefined;
    }
  }

  private async endpoint(): Promise<string> {
    if (this.config.endpoint) return this.config.endpoint;
    const { introspection_endpoint: endpoint } = await this.discovery.metadata();
    if (!isAcceptableEndpoint(endpoint, this.issuer.allowInsecureRequests)) {
      throw new UpstreamError('introspection_unavailable', 503, {
        cause: new Error(`${this.issuer.issuer} publishes no usable introspection_endpoint`),
        retryAfterSeconds: 5,
      });
    }
    return endpoint;
  }

  private async fetch(token: string, key: string): Promise<IntrospectionResult> {
    const endpoint = await this.endpoint();
    const form = new URLSearchParams({ token, token_type_hint: 'access_token' });
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (this.config.clientAuthMethod === 'client_secret_post') {
      form.set('client_id', this.config.clientId);
      form.set('client_secret', this.config.clientSecret);
    } else {
      headers.authorization = basic(this.config.clientId, this.config.clientSecret);
    }
    let json: Record<string, unknown>;
    try {
      const request = {
        method: 'POST' as const,
        headers,
        body: form.toString(),
        timeoutMs: this.config.timeoutMs,
        maxBytes: this.runtime.maxResponseBytes,
      };
      ({ json } = await traced(this.runtime, 'introspection', this.issuer.issuer, () =>
        fetchJsonObject(endpoint, request),
      ));
      if (typeof json.active !== 'boolean')
        throw new HttpClientError('invalid_body', endpoint, 'no boolean "active" member');
    } catch (cause) {
      // Down, slow, 401 (our credentials) or garbage: the caller's token is not known to be bad.
      this.outage.failed(cause);
      throw new UpstreamError('introspection_unavailable', 503, { cause, retryAfterSeconds: 5 });
    }
    this.outage.recovered();
    const result: IntrospectionResult = json.active === true ? { active: true, claims: json } : { active: false };
    await this.remember(key, result);
    return result;
  }

  private async remember(key: string, result: IntrospectionResult): Promise<void> {
    const exp = result.claims?.exp;
    const ttl = result.active
      ? ttlWithinExpiry(this.config.cacheTtlMs, typeof exp === 'number' ? exp * 1000 : undefined, this.runtime.now())
      : this.config.inactiveCacheTtlMs;
    if (ttl <= 0) return;
    try {
      await this.store.set(key, result, ttl);
    } catch (error) {
      this.runtime.logger.warn(`introspection cache write failed: ${String(error)}`);
    }
  }
}
