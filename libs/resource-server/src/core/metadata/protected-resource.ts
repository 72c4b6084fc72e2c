// RFC 9728: OAuth 2.0 Protected Resource Metadata. §2 the document, §2.2 signed metadata, §3.1 where
// it lives (the well-known segment inserted between the host and the resource's path), §5.1 the
// `resource_metadata` parameter of challenges.
import type { ResourceMetadataConfig } from '../config/sender-constraint-config.js';
import type { TokenLocation } from '../credentials/token-extractor.js';
import { signCompactJws } from '../jose/sign.js';

/** The well-known path segment of RFC 9728 §3. */
export const PROTECTED_RESOURCE_PATH = '/.well-known/oauth-protected-resource';

/** The metadata URL of a resource identifier (RFC 9728 §3.1). */
export function metadataUrl(resource: string): string {
  const url = new URL(resource);
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  return `${url.origin}${PROTECTED_RESOURCE_PATH}${path}`;
}

/** What the document says about how tokens are accepted. */
export interface MetadataFacts {
  readonly scopes: readonly string[];
  readonly tokenLocations: ReadonlySet<TokenLocation>;
  /** Proof algorithms, when the DPoP scheme is accepted. */
  readonly dpopAlgorithms: readonly string[] | undefined;
  /** Whether every issuer requires DPoP. */
  readonly dpopRequired: boolean;
}

/**
 * The RFC 9728 §2 document: `resource`, `authorization_servers`, `scopes_supported`,
 * `bearer_methods_supported`, DPoP and mTLS support, and (when a signing key is set) `signed_metadata`.
 */
export function protectedResourceMetadata(
  config: ResourceMetadataConfig,
  facts: MetadataFacts,
  nowSeconds: number,
): Record<string, unknown> {
  const document: Record<string, unknown> = {
    resource: config.resource,
    authorization_servers: [...config.authorizationServers],
    scopes_supported: [...(config.scopesSupported ?? facts.scopes)],
    bearer_methods_supported: ['header', ...(['body', 'query'] as const).filter((l) => facts.tokenLocations.has(l))],
    tls_client_certificate_bound_access_tokens: true,
  };
  if (facts.dpopAlgorithms) document.dpop_signing_alg_values_supported = [...facts.dpopAlgorithms];
  if (facts.dpopRequired) document.dpop_bound_access_tokens_required = true;
  if (config.resourceName !== undefined) document.resource_name = config.resourceName;
  if (config.resourceDocumentation !== undefined) document.resource_documentation = config.resourceDocumentation;
  const signing = config.signing;
  if (signing) {
    const header = { alg: signing.alg, typ: 'JWT', ...(signing.kid ? { kid: signing.kid } : {}) };
    document.signed_metadata = signCompactJws(
      header,
      { ...document, iss: signing.issuer ?? config.resource, iat: nowSeconds },
      signing.key,
    );
  }
  return document;
}
