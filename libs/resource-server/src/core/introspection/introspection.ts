// RFC 7662 OAuth 2.0 Token Introspection: opaque access tokens are checked by asking the issuer.
// A token is trusted only on `active: true`, and then the same rules as for a JWT apply to the
// fields the issuer sends (iss, aud, exp, nbf, scope). Results are cached per token hash.
import { createHash } from 'node:crypto';
import { InvalidTokenError, UpstreamError } from '../../errors/resource-server.error.js';
import type { IssuerConfig } from '../config/config.js';
import { isAcceptableEndpoint, type DiscoveryClient } from '../issuer/discovery.js';
import { fetchJsonObject, HttpClientError } from '../issuer/http-client.js';
import { buildPrincipal, type Principal } from '../claims/principal.js';
import { SingleFlight, ttlWithinExpiry, type ResultStore } from '../cache/result-store.js';
import { OutageLog, type Runtime } from '../runtime.js';
import { traced } from '../telemetry/telemetry.js';

/** Introspection settings, resolved. */
export interface IntrospectionConfig {
  readonly endpoint: string | undefined;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly clientAuthMethod: 'client_secret_basic' | 'client_secret_post';
  readonly timeoutMs: number;
  readonly cacheTtlMs: number;
  readonly inactiveCacheTtlMs: number;
  readonly cacheMaxEntries: number;
  readonly store: 'memory' | 'cache-manager';
}

/** What is cached per token: the issuer's answer, plain JSON. */
export interface IntrospectionResult {
  readonly active: boolean;
  readonly claims?: Readonly<Record<string, unknown>>;
}

// token_type values that mean "an access token usable as a bearer token". A refresh token or a
// sender-constrained (DPoP) token presented as a bearer token is refused.
const BEARER_TYPES = new Set(['bearer', 'access_token', 'urn:ietf:params:oauth:token-type:access_token']);
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

  constructor(
    private readonly issuer: IssuerConfig,
    private readonly discovery: DiscoveryClient,
    private readonly config: IntrospectionConfig,
    private readonly store: ResultStore<IntrospectionResult>,
    private readonly runtime: Runtime,
  ) {
    this.outage = new OutageLog(runtime, `Token introspection at ${issuer.issuer}`);
  }

  /** Whether the endpoint answered the last call (undefined before any), and why not, for health checks. */
  status(): { reachable: boolean | undefined; lastError: string | undefined } {
    return { reachable: this.outage.state === undefined ? undefined : this.outage.state === 'up', lastError: this.outage.lastError };
  }

  /** Returns the caller for an active token; throws `InvalidTokenError` or `UpstreamError` otherwise. */
  async introspect(token: string): Promise<Principal> {
    const key = KEY_PREFIX + createHash('sha256').update(token).digest('base64url');
    const result = (await this.cached(key)) ?? (await this.flights.run(key, () => this.fetch(token, key)));
    if (!result.active || !result.claims) throw new InvalidTokenError('inactive_token');
    return this.toPrincipal(token, result.claims);
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
      const request = { method: 'POST' as const, headers, body: form.toString(), timeoutMs: this.config.timeoutMs, maxBytes: this.runtime.maxResponseBytes };
      ({ json } = await traced(this.runtime, 'introspection', this.issuer.issuer, () => fetchJsonObject(endpoint, request)));
      if (typeof json.active !== 'boolean') throw new HttpClientError('invalid_body', endpoint, 'no boolean "active" member');
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

  private toPrincipal(token: string, claims: Readonly<Record<string, unknown>>): Principal {
    const rules = this.issuer;
    const now = this.runtime.now() / 1000;
    const type = claims.token_type;
    if (type !== undefined && (typeof type !== 'string' || !BEARER_TYPES.has(type.toLowerCase()))) {
      throw new InvalidTokenError('wrong_token_type');
    }
    if (claims.iss !== undefined && claims.iss !== rules.issuer) throw new InvalidTokenError('untrusted_issuer');
    if (claims.aud !== undefined && rules.audiences !== false) {
      const audiences = typeof claims.aud === 'string' ? [claims.aud] : claims.aud;
      if (!Array.isArray(audiences) || !audiences.some((a) => typeof a === 'string' && (rules.audiences as readonly string[]).includes(a))) {
        throw new InvalidTokenError('audience_mismatch');
      }
    }
    for (const name of ['exp', 'nbf', 'iat'] as const) {
      if (claims[name] !== undefined && (typeof claims[name] !== 'number' || !Number.isFinite(claims[name]))) {
        throw new InvalidTokenError('invalid_claim', { description: `The access token claim "${name}" is not a NumericDate` });
      }
    }
    if (typeof claims.exp === 'number' && now >= claims.exp + rules.clockTolerance) throw new InvalidTokenError('expired');
    if (typeof claims.nbf === 'number' && claims.nbf > now + rules.clockTolerance) throw new InvalidTokenError('not_yet_valid');
    if (typeof claims.iat === 'number' && claims.iat > now + rules.clockTolerance) throw new InvalidTokenError('issued_in_future');
    if (rules.maxTokenAge !== undefined) {
      if (typeof claims.iat !== 'number') {
        throw new InvalidTokenError('missing_claim', { description: 'The access token lacks the required claim "iat"' });
      }
      if (now - claims.iat > rules.maxTokenAge + rules.clockTolerance) throw new InvalidTokenError('too_old');
    }
    for (const name of ['sub', 'client_id'] as const) {
      if (claims[name] !== undefined && typeof claims[name] !== 'string') {
        throw new InvalidTokenError('invalid_claim', { description: `The access token claim "${name}" is not a string` });
      }
    }
    for (const name of rules.requiredClaims) {
      if (claims[name] === undefined || claims[name] === null) {
        throw new InvalidTokenError('missing_claim', { description: `The access token lacks the required claim "${name}"` });
      }
    }
    return buildPrincipal(token, claims, rules, 'opaque');
  }
}
