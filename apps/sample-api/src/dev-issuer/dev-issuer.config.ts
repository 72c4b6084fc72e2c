import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
// @ts-expect-error -- oidc-provider 9 ships no type declarations and @types/oidc-provider is not a
// dependency; the small surface used here is typed by hand below (OidcProvider, OidcContext).
import { Provider, errors } from 'oidc-provider';

/** The confidential client registered at the development issuer. */
export const DEMO_CLIENT = { clientId: 'demo-client', clientSecret: 'demo-secret' } as const;

/** The only account the development issuer knows. */
export const DEMO_USER = { sub: 'demo-user', username: 'demo', password: 'demo-password' } as const;

/** Scopes the API (the one resource server of this issuer) understands. */
export const API_SCOPES = ['read:messages', 'write:messages', 'admin:messages'] as const;

/** OpenID Connect scopes; they are about the user and never part of a resource server's scope. */
const OIDC_SCOPES = new Set(['openid', 'offline_access', 'profile', 'email']);

/** The part of oidc-provider's Koa context the callbacks below read. */
interface OidcContext {
  oidc: { params: { scope?: string } };
}

interface Grant {
  addOIDCScope(scope: string): void;
  addOIDCClaims(claims: string[]): void;
  addResourceScope(resource: string, scope: string): void;
  save(): Promise<string>;
}

/** What `provider.interactionDetails()` resolves to (the fields this issuer uses). */
export interface InteractionDetails {
  uid: string;
  grantId?: string;
  params: { client_id: string; scope?: string };
  prompt: {
    name: 'login' | 'consent' | string;
    details: {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
  };
}

/** The part of oidc-provider's `Provider` (a Koa application) this issuer uses. */
export interface OidcProvider {
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
  interactionFinished(
    req: IncomingMessage,
    res: ServerResponse,
    result: Record<string, unknown>,
    options?: { mergeWithLastSubmission?: boolean },
  ): Promise<void>;
  Grant: {
    new (init: { accountId: string; clientId: string }): Grant;
    find(grantId: string): Promise<Grant | undefined>;
  };
  /** Emitted for 5xx answers; oidc-provider otherwise only logs them through `debug`. */
  on(event: 'server_error', listener: (ctx: unknown, error: Error) => void): void;
}

const ProviderCtor = Provider as new (issuer: string, configuration: object) => OidcProvider;
const { InvalidTarget, InvalidScope } = errors as {
  InvalidTarget: new (description?: string) => Error;
  InvalidScope: new (description: string, scope: string) => Error;
};

export interface ProviderSettings {
  audience: string;
  accessTokenFormat: 'jwt' | 'opaque';
  accessTokenTtl: number;
  /** Browser origins allowed to call the token endpoint (CORS), e.g. the API's for Swagger UI. */
  corsOrigins: readonly string[];
  /** Redirect URIs registered for demo-client besides the fixed loopback callback. */
  redirectUris: readonly string[];
  /** Where the API receives OpenID Connect back-channel logout tokens for demo-client, if anywhere. */
  backchannelLogoutUri?: string;
}

/** A fresh RSA key per start: tokens from an earlier run must not verify against this one. */
function signingJwk(): Record<string, unknown> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' };
}

/**
 * Per-issuer in-memory storage. Passing our own adapter keeps two issuers in one process (tests)
 * apart and avoids oidc-provider's "development-only in-memory adapter" warning.
 */
function memoryAdapter() {
  type Payload = { uid?: string; userCode?: string; grantId?: string; consumed?: number };
  const store = new Map<string, { payload: Payload; expiresAt: number }>();
  const live = (key: string): Payload | undefined => {
    const entry = store.get(key);
    if (entry && entry.expiresAt > Date.now()) return entry.payload;
    store.delete(key);
    return undefined;
  };
  const findBy = (model: string, field: 'uid' | 'userCode', value: string) => {
    for (const [key, { payload }] of store) {
      if (key.startsWith(`${model}:`) && payload[field] === value) return live(key);
    }
    return undefined;
  };
  return (model: string) => ({
    upsert: async (id: string, payload: Payload, expiresIn?: number) => {
      store.set(`${model}:${id}`, { payload, expiresAt: Date.now() + (expiresIn ?? 86_400) * 1000 });
    },
    find: async (id: string) => live(`${model}:${id}`),
    findByUid: async (uid: string) => findBy(model, 'uid', uid),
    findByUserCode: async (userCode: string) => findBy(model, 'userCode', userCode),
    consume: async (id: string) => {
      const payload = live(`${model}:${id}`);
      if (payload) payload.consumed = Math.floor(Date.now() / 1000);
    },
    destroy: async (id: string) => void store.delete(`${model}:${id}`),
    revokeByGrantId: async (grantId: string) => {
      for (const [key, { payload }] of store) if (payload.grantId === grantId) store.delete(key);
    },
  });
}

/** Builds the oidc-provider instance for `issuer`; see dev-issuer.ts for the HTTP side. */
export function createProvider(issuer: string, settings: ProviderSettings): OidcProvider {
  const { audience, accessTokenFormat, accessTokenTtl, corsOrigins, redirectUris, backchannelLogoutUri } = settings;
  const resourceServerScope = API_SCOPES.join(' ');
  const resourceServerScopes = new Set<string>(API_SCOPES);

  return new ProviderCtor(issuer, {
    adapter: memoryAdapter(),
    jwks: { keys: [signingJwk()] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    clients: [
      {
        client_id: DEMO_CLIENT.clientId,
        client_secret: DEMO_CLIENT.clientSecret,
        // oidc-provider 9 accepts client_secret_post from a client registered for
        // client_secret_basic (and vice versa), so form-body credentials work too.
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['client_credentials', 'authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: ['http://127.0.0.1:8765/callback', 'http://localhost:8765/callback', ...redirectUris],
        // Client `scope` may only list the provider's own (OpenID) scopes; which API scopes the
        // client gets is decided by getResourceServerInfo below.
        scope: [...OIDC_SCOPES].join(' '),
        // Logging the demo user out at the end-session endpoint tells the API, which revokes their tokens.
        ...(backchannelLogoutUri
          ? { backchannel_logout_uri: backchannelLogoutUri, backchannel_logout_session_required: false }
          : {}),
      },
    ],
    // oidc-provider refuses to call special-use addresses (SSRF protection), loopback included. The
    // development issuer delivers logout tokens to the API on this machine, and to nothing else.
    fetch: (url: string, options: RequestInit & { dispatcher?: unknown }) => {
      if (!backchannelLogoutUri || url !== new URL(backchannelLogoutUri).href)
        return Promise.reject(new Error(`dev issuer: no outgoing call to ${url}`));
      const { dispatcher: _ssrfGuard, ...rest } = options;
      return globalThis.fetch(url, rest);
    },
    claims: {
      openid: ['sub'],
      profile: ['name', 'preferred_username'],
      email: ['email', 'email_verified'],
    },
    async findAccount(_ctx: unknown, sub: string) {
      if (sub !== DEMO_USER.sub) return undefined;
      return {
        accountId: sub,
        claims: async () => ({
          sub,
          name: 'Demo User',
          email: 'demo@example.test',
          email_verified: true,
          preferred_username: DEMO_USER.username,
        }),
      };
    },
    pkce: { required: () => true },
    // The demo user is an auditor: the sample API's GET /messages/audit requires that role.
    async extraTokenClaims(_ctx: unknown, token: { accountId?: string }) {
      return token.accountId === DEMO_USER.sub ? { roles: ['auditor'] } : undefined;
    },
    ttl: {
      AccessToken: accessTokenTtl,
      ClientCredentials: accessTokenTtl,
      AuthorizationCode: 60,
      IdToken: 3600,
      RefreshToken: 86_400,
      Interaction: 600,
      Session: 86_400,
      Grant: 86_400,
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true, allowedPolicy: async () => true },
      revocation: { enabled: true, allowedPolicy: async () => true },
      userinfo: { enabled: true },
      // RFC 9449: a token request with a DPoP proof gets a DPoP-bound token (`cnf.jkt`, token_type DPoP).
      dPoP: { enabled: true },
      backchannelLogout: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => audience,
        // A token is for the API exactly when it carries API scopes (the token request's `scope`,
        // else the granted ones). Otherwise, with `openid`, oidc-provider issues an opaque token
        // for its userinfo endpoint, the only kind that endpoint accepts (test/helpers/pkce-flow.ts).
        useGrantedResource: async (ctx: OidcContext, model: { scopes: Set<string> }) => {
          const scopes = ctx.oidc.params.scope?.split(' ') ?? [...model.scopes];
          return scopes.some((scope) => resourceServerScopes.has(scope));
        },
        getResourceServerInfo: async (ctx: OidcContext, resourceIndicator: string) => {
          if (resourceIndicator !== audience) throw new InvalidTarget();
          // oidc-provider silently drops scopes no one defines; an error is what a client expects.
          for (const scope of ctx.oidc.params.scope?.split(' ') ?? []) {
            if (!OIDC_SCOPES.has(scope) && !resourceServerScopes.has(scope)) {
              throw new InvalidScope('requested scope is not allowed', scope);
            }
          }
          return {
            scope: resourceServerScope,
            audience,
            accessTokenFormat,
            accessTokenTTL: accessTokenTtl,
            ...(accessTokenFormat === 'jwt' ? { jwt: { sign: { alg: 'RS256' } } } : {}),
          };
        },
      },
    },
    // Swagger UI on the API's origin calls the token endpoint from the browser; nothing else may.
    clientBasedCORS: (_ctx: unknown, origin: string) => corsOrigins.includes(origin),
    async renderError(ctx: { type: string; body: unknown }, out: Record<string, string>) {
      ctx.type = 'json';
      ctx.body = out;
    },
  });
}
