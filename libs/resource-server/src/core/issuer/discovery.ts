// OpenID Connect Discovery 1.0 §4 and RFC 8414 §3: finds the issuer's metadata. The `issuer` in the
// document must equal the configured issuer exactly (OIDC Discovery §4.3, RFC 8414 §3.3).
import { UpstreamError } from '../../errors/resource-server.error.js';
import { isSecureEnough } from '../config/config-checks.js';
import { HttpClientError, fetchJsonObject } from './http-client.js';
import { OutageLog, type Runtime } from '../runtime.js';
import { traced } from '../telemetry/telemetry.js';

/** The metadata fields the library reads; the rest is kept as is. */
export interface IssuerMetadata {
  issuer: string;
  jwks_uri?: string;
  userinfo_endpoint?: string;
  introspection_endpoint?: string;
  [field: string]: unknown;
}

export interface DiscoverySettings {
  /** How long metadata is used before it is fetched again, ms. */
  cacheMaxAge: number;
  /** While the issuer is failing, at most one attempt per this many ms. */
  retryInterval: number;
}

/** The two well-known locations, in the order they are tried. */
export function discoveryUrls(issuer: string): [oidc: string, oauth: string] {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/$/, '');
  return [
    `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`,
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
  ];
}

/**
 * Whether a URL the issuer publishes may be called: the same rule as for configured URLs (https, or
 * http on loopback, or http anywhere with `allowInsecureRequests`).
 */
export function isAcceptableEndpoint(endpoint: unknown, allowInsecureRequests: boolean): endpoint is string {
  if (typeof endpoint !== 'string') return false;
  try {
    return isSecureEnough(new URL(endpoint), allowInsecureRequests);
  } catch {
    return false;
  }
}

/** Fetches and caches one issuer's metadata: single flight, stale on error, rate-limited retries. */
export class DiscoveryClient {
  private cached: { metadata: IssuerMetadata; fetchedAt: number } | undefined;
  private inflight: Promise<IssuerMetadata> | undefined;
  private lastAttemptAt = Number.NEGATIVE_INFINITY;
  private lastError: unknown;
  private readonly outage: OutageLog;

  constructor(
    readonly issuer: string,
    private readonly settings: DiscoverySettings,
    private readonly runtime: Runtime,
  ) {
    this.outage = new OutageLog(runtime, `OpenID discovery for ${issuer}`);
  }

  /** The metadata; throws {@link UpstreamError} (503) when none could ever be had. */
  async metadata(): Promise<IssuerMetadata> {
    const now = this.runtime.now();
    if (this.cached) {
      const cached = this.cached;
      if (now - cached.fetchedAt > this.settings.cacheMaxAge && this.mayAttempt(now)) {
        const refreshing = this.refresh();
        // Suspect metadata (see expire()) is worth waiting for; merely old metadata answers meanwhile.
        if (cached.fetchedAt === Number.NEGATIVE_INFINITY) return refreshing.catch(() => cached.metadata);
        refreshing.catch(() => undefined);
      }
      return cached.metadata;
    }
    if (!this.inflight && !this.mayAttempt(now)) {
      throw new UpstreamError('discovery_unavailable', 503, {
        cause: this.lastError,
        retryAfterSeconds: this.retryAfter(),
      });
    }
    try {
      return await this.refresh();
    } catch (cause) {
      throw new UpstreamError('discovery_unavailable', 503, { cause, retryAfterSeconds: this.retryAfter() });
    }
  }

  /**
   * Marks the metadata as due for a refresh, e.g. after the JWKS it names failed: the issuer may
   * have moved it. The next `metadata()` call refreshes in the background (rate-limited as usual).
   */
  expire(): void {
    if (this.cached) this.cached = { ...this.cached, fetchedAt: Number.NEGATIVE_INFINITY };
  }

  private mayAttempt(now: number): boolean {
    return now - this.lastAttemptAt >= this.settings.retryInterval;
  }

  private retryAfter(): number {
    return Math.max(1, Math.ceil(this.settings.retryInterval / 1000));
  }

  private refresh(): Promise<IssuerMetadata> {
    this.inflight ??= this.fetchMetadata().finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  private async fetchMetadata(): Promise<IssuerMetadata> {
    this.lastAttemptAt = this.runtime.now();
    try {
      const metadata = await traced(this.runtime, 'discovery', this.issuer, () => this.fetchEither());
      this.cached = { metadata, fetchedAt: this.runtime.now() };
      this.outage.recovered();
      return metadata;
    } catch (error) {
      this.lastError = error;
      this.outage.failed(error);
      throw error;
    }
  }

  private async fetchEither(): Promise<IssuerMetadata> {
    const [oidc, oauth] = discoveryUrls(this.issuer);
    const limits = { timeoutMs: this.runtime.httpTimeoutMs, maxBytes: this.runtime.maxResponseBytes };
    let json: Record<string, unknown>;
    try {
      ({ json } = await fetchJsonObject(oidc, limits));
    } catch (error) {
      // Only "there is no such document" moves on to RFC 8414; an outage is an outage.
      const absent =
        error instanceof HttpClientError && error.status !== undefined && error.status >= 400 && error.status < 500;
      if (!absent) throw error;
      ({ json } = await fetchJsonObject(oauth, limits));
    }
    if (json.issuer !== this.issuer) {
      throw new Error(`metadata names issuer ${JSON.stringify(json.issuer)}, expected ${JSON.stringify(this.issuer)}`);
    }
    return json as IssuerMetadata;
  }
}
