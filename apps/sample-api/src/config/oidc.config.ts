import { registerAs } from '@nestjs/config';

const TOKEN_TYPES = ['jwt', 'opaque', 'auto'] as const;
type TokenType = (typeof TOKEN_TYPES)[number];

function tokenType(value: string | undefined): TokenType {
  if (value === undefined || value === '') return 'jwt';
  if ((TOKEN_TYPES as readonly string[]).includes(value)) return value as TokenType;
  throw new Error(`OIDC_TOKEN_TYPE must be one of ${TOKEN_TYPES.join(', ')} (got "${value}")`);
}

const PROVIDERS = ['generic', 'auth0', 'authing', 'ory', 'keycloak', 'okta', 'entra', 'cognito'] as const;
type Provider = (typeof PROVIDERS)[number];

function provider(value: string | undefined): Provider {
  if (value === undefined || value === '') return 'generic';
  if ((PROVIDERS as readonly string[]).includes(value)) return value as Provider;
  throw new Error(`OIDC_PROVIDER must be one of ${PROVIDERS.join(', ')} (got "${value}")`);
}

const DPOP_POLICIES = ['off', 'allowed', 'required'] as const;
type DpopPolicy = (typeof DPOP_POLICIES)[number];

function dpop(value: string | undefined): DpopPolicy {
  if (value === undefined || value === '') return 'allowed';
  if ((DPOP_POLICIES as readonly string[]).includes(value)) return value as DpopPolicy;
  throw new Error(`OIDC_DPOP must be one of ${DPOP_POLICIES.join(', ')} (got "${value}")`);
}

/**
 * The RFC 9728 resource identifier: the audience when it is an https URL (or http on localhost), so
 * GET /.well-known/oauth-protected-resource describes the API; undefined (no metadata) otherwise.
 */
function resource(audience: string): string | undefined {
  try {
    const url = new URL(audience);
    const local = url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
    return (url.protocol === 'https:' || local) && url.search === '' && url.hash === '' ? audience : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The sample API's identity-provider settings, from the environment:
 * OIDC_ISSUER (issuer URL, or several separated by commas), OIDC_PROVIDER (preset), OIDC_AUDIENCE (this API's audience), OIDC_TOKEN_TYPE (jwt | opaque | auto)
 * and OIDC_CLIENT_ID / OIDC_CLIENT_SECRET (this API's credentials for token introspection);
 * OIDC_DPOP (off | allowed | required: DPoP-bound tokens, RFC 9449);
 * OIDC_BACKCHANNEL_CLIENT_ID (the client whose back-channel logout tokens revoke tokens here) and
 * REDIS_URL (shared caches, replay state and revocations for every instance).
 * main.ts fills them in when it starts the embedded development issuer.
 */
export const oidcConfig = registerAs('oidc', () => ({
  issuers: (process.env.OIDC_ISSUER ?? '')
    .split(',')
    .map((issuer) => issuer.trim())
    .filter((issuer) => issuer !== ''),
  provider: provider(process.env.OIDC_PROVIDER),
  audience: process.env.OIDC_AUDIENCE ?? '',
  tokenType: tokenType(process.env.OIDC_TOKEN_TYPE),
  clientId: process.env.OIDC_CLIENT_ID ?? '',
  clientSecret: process.env.OIDC_CLIENT_SECRET ?? '',
  dpop: dpop(process.env.OIDC_DPOP),
  resource: resource(process.env.OIDC_AUDIENCE ?? ''),
  backChannelClientId: process.env.OIDC_BACKCHANNEL_CLIENT_ID || undefined,
  redisUrl: process.env.REDIS_URL || undefined,
}));
