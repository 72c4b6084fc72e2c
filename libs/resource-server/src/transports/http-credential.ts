// The credential of an HTTP request (REST, or GraphQL over HTTP: any adapter that has the request):
// the access token and its scheme (RFC 6750 Bearer, RFC 9449 DPoP), the DPoP proof(s) with the
// method and URL they must match, and the client certificate of the TLS connection (RFC 8705).
import type { ResolvedConfig } from '../core/config/config.js';
import { InvalidTokenError } from '../errors/resource-server.error.js';
import { certificateThumbprint, thumbprintFromHeader } from '../core/binding/client-certificate.js';
import { requestUrl, type UrlSource } from '../core/credentials/request-url.js';
import {
  extractPresentedToken,
  type TokenLocation,
  type TokenScheme,
  type TokenSource,
} from '../core/credentials/token-extractor.js';
import type { DpopRequest } from '../core/dpop/dpop-proof.js';
import type { Credential } from './transport-adapter.js';

/** What reading an HTTP credential depends on, resolved once from the options. */
export interface HttpCredentialSettings {
  readonly locations: ReadonlySet<TokenLocation>;
  /** `bearer` unless every issuer requires DPoP; `dpop` unless every issuer has it off. */
  readonly schemes: ReadonlySet<TokenScheme>;
  readonly trustProxy: boolean;
  /** The header a TLS-terminating proxy forwards the client certificate in; undefined: the TLS socket. */
  readonly clientCertificateHeader: string | undefined;
  /** Whether a token is identical to one that verified before (its syntax is then not checked again). */
  readonly verified?: (token: string) => boolean;
}

/** A TLS socket, as far as the client certificate goes. */
interface PeerSocket {
  readonly encrypted?: boolean;
  getPeerCertificate?(detailed?: boolean): { raw?: Uint8Array } | null;
}

/** An Express or Fastify request (Fastify keeps Node's message under `raw`). */
export type HttpRequestLike = TokenSource &
  UrlSource & {
    readonly raw?: { readonly rawHeaders?: readonly string[]; readonly socket?: PeerSocket };
    readonly socket?: PeerSocket | null;
  };

/** The schemes and locations the module's options allow. */
export function httpCredentialSettings(
  config: ResolvedConfig,
  verified?: (token: string) => boolean,
): HttpCredentialSettings {
  const schemes = new Set<TokenScheme>();
  if (config.issuers.some((i) => i.dpop !== 'required')) schemes.add('bearer');
  if (config.issuers.some((i) => i.dpop !== 'off')) schemes.add('dpop');
  return {
    locations: config.tokenLocations,
    schemes,
    trustProxy: config.senderConstraints.trustProxy,
    clientCertificateHeader: config.senderConstraints.clientCertificateHeader,
    ...(verified ? { verified } : {}),
  };
}

/** Every `DPoP` header value: Node joins repeated headers with ", ", and a compact JWS has no comma. */
function dpopProofs(request: HttpRequestLike): string[] {
  const value = request.headers.dpop;
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(',')).map((v) => v.trim());
}

/**
 * An HTTP request's credential. A class, so that a request costs one object; the client certificate
 * (a TLS socket call, or a header) is only read when a certificate-bound token asks for it.
 */
class HttpCredential implements Credential {
  constructor(
    readonly token: string,
    readonly scheme: 'bearer' | 'dpop',
    readonly dpop: DpopRequest | undefined,
    private readonly request: HttpRequestLike,
    private readonly certificateHeader: string | undefined,
  ) {}

  clientCertificate(): string | undefined {
    const { request, certificateHeader } = this;
    if (certificateHeader !== undefined) {
      const value = request.headers[certificateHeader];
      return Array.isArray(value) ? undefined : thumbprintFromHeader(value);
    }
    const socket = request.socket ?? request.raw?.socket;
    const raw = socket?.getPeerCertificate?.(false)?.raw;
    return raw && raw.length > 0 ? certificateThumbprint(raw) : undefined;
  }
}

/**
 * Reads the credential of an HTTP request. Throws `MissingTokenError` / `InvalidRequestError` like
 * the token extractor. The URL and the certificate are only worked out when they are needed.
 */
export function readHttpCredential(request: HttpRequestLike, settings: HttpCredentialSettings): Credential {
  // Every issuer requires DPoP: a Bearer token is refused as such, not as a missing token.
  if (!settings.schemes.has('bearer') && /^\s*bearer\s/i.test(String(request.headers.authorization ?? '')))
    throw new InvalidTokenError('dpop_required');
  // Fastify keeps Node's raw header list on `request.raw`.
  const rawHeaders = request.rawHeaders ?? request.raw?.rawHeaders;
  const { token, scheme } = extractPresentedToken(
    request,
    settings.locations,
    settings.schemes,
    rawHeaders,
    settings.verified,
  );
  const dpop =
    scheme === 'dpop'
      ? {
          proofs: dpopProofs(request),
          method: String(request.method ?? ''),
          url: requestUrl(request, settings.trustProxy),
        }
      : undefined;
  return new HttpCredential(token, scheme, dpop, request, settings.clientCertificateHeader);
}
