/**
 * Drives the OAuth 2.0 authorization code flow with PKCE (S256) against the development issuer,
 * the way a browser would, with plain fetch: manual redirects and a small cookie jar.
 *
 * Userinfo and the API's access token (findings on oidc-provider 9.13):
 * - oidc-provider's userinfo endpoint only accepts its own opaque, audience-less access tokens. A
 *   JWT access token for the API gets 401 invalid_token ("invalid token provided": userinfo looks
 *   tokens up by their opaque value, and JWTs are never found); an opaque token for the API gets
 *   403 insufficient_scope (resource-server tokens carry only that server's scopes, never
 *   `openid`), and behind that check sits "token audience prevents accessing the userinfo endpoint".
 * - A token has exactly one audience, and JWT access tokens must have one, so one token for both
 *   the API and userinfo cannot be issued: a client that wants both needs two access tokens.
 * - Only a token request that resolves to no resource yields a userinfo token. The dev issuer's
 *   `useGrantedResource` picks the API when the token carries API scopes: those of the token
 *   request's `scope` parameter, else the granted ones. So a login with `openid profile email`
 *   alone gets an opaque userinfo token, and one that adds `read:messages` gets the API's JWT. To
 *   get both, request `offline_access` as well (this helper then adds `prompt=consent`, without
 *   which oidc-provider drops offline_access) and make a second token request:
 *   `grant_type=refresh_token&refresh_token=...&scope=openid profile email`.
 * - Alternatives for an API that wants user claims: read them from the ID token on the client side,
 *   or have the issuer copy them into the JWT access token (oidc-provider's `extraTokenClaims`).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { DevIssuer } from '../../apps/sample-api/src/dev-issuer/dev-issuer.js';

const REDIRECT_URI = 'http://127.0.0.1:8765/callback';
const MAX_STEPS = 10;

/** The token endpoint's answer for the authorization_code grant. */
export interface UserTokenResponse {
  access_token: string;
  id_token?: string;
  refresh_token?: string;
  token_type: string;
  expires_in: number;
  scope?: string;
}

/**
 * Logs the demo user in at `issuer`, consents, and exchanges the code for tokens.
 * `resource` (RFC 8707) is sent on both requests when given; the issuer defaults to its audience.
 */
export async function obtainUserTokenWithPkce(
  issuer: DevIssuer,
  options: { scope: string; resource?: string; jar?: CookieJar },
): Promise<UserTokenResponse> {
  const discovery = (await (await fetch(`${issuer.issuer}/.well-known/openid-configuration`)).json()) as {
    authorization_endpoint: string;
    token_endpoint: string;
  };
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(16).toString('base64url');
  const authorize = new URL(discovery.authorization_endpoint);
  authorize.search = new URLSearchParams({
    client_id: issuer.clientId,
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    scope: options.scope,
    state,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    ...(options.resource ? { resource: options.resource } : {}),
    ...(options.scope.split(' ').includes('offline_access') ? { prompt: 'consent' } : {}),
  }).toString();

  const callback = await followToCallback(authorize.href, issuer, options.jar);
  if (callback.searchParams.get('state') !== state) throw new Error('state mismatch');
  const code = callback.searchParams.get('code');
  if (!code) throw new Error(`authorization failed: ${callback.search}`);

  const response = await fetch(discovery.token_endpoint, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${issuer.clientId}:${issuer.clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
      ...(options.resource ? { resource: options.resource } : {}),
    }),
  });
  const body = (await response.json()) as UserTokenResponse & { error?: string };
  if (!response.ok) throw new Error(`token request failed: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

/** Follows redirects and answers the login and consent pages until the redirect to the client. */
async function followToCallback(start: string, issuer: DevIssuer, jar = new CookieJar()): Promise<URL> {
  let request: { url: string; form?: URLSearchParams } = { url: start };
  for (let step = 0; step < MAX_STEPS; step += 1) {
    const response = await fetch(request.url, {
      method: request.form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: { cookie: jar.header(request.url) },
      body: request.form,
    });
    jar.store(request.url, response.headers.getSetCookie());
    const location = response.headers.get('location');
    if (location) {
      const next = new URL(location, request.url);
      if (next.href.startsWith(REDIRECT_URI)) return next;
      request = { url: next.href };
      continue;
    }
    const html = await response.text();
    const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
    if (!response.ok || !action) throw new Error(`unexpected page ${response.status}: ${html.slice(0, 300)}`);
    const form = new URLSearchParams(
      action.endsWith('/login') ? { username: issuer.user.username, password: issuer.user.password } : {},
    );
    request = { url: new URL(action, request.url).href, form };
  }
  throw new Error(`no redirect to ${REDIRECT_URI} after ${MAX_STEPS} requests`);
}

/**
 * Ends the browser session that `jar` holds at the issuer (RP-initiated logout: the end-session page,
 * then its confirmation form), as a user clicking "sign out" would. The issuer then sends back-channel
 * logout tokens to the clients of that session.
 */
export async function logOutAtIssuer(issuer: DevIssuer, jar: CookieJar): Promise<void> {
  const discovery = (await (await fetch(`${issuer.issuer}/.well-known/openid-configuration`)).json()) as {
    end_session_endpoint: string;
  };
  const page = await fetch(discovery.end_session_endpoint, {
    headers: { cookie: jar.header(discovery.end_session_endpoint) },
  });
  jar.store(discovery.end_session_endpoint, page.headers.getSetCookie());
  const html = await page.text();
  const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
  const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1];
  if (!action || !xsrf) throw new Error(`unexpected end-session page ${page.status}: ${html.slice(0, 300)}`);
  const confirm = new URL(action, discovery.end_session_endpoint).href;
  const done = await fetch(confirm, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: jar.header(confirm), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ xsrf, logout: 'yes' }),
  });
  if (done.status >= 400) throw new Error(`end-session confirmation failed: ${done.status}`);
}

/** Enough of RFC 6265 for one host: cookies keyed by name and path, path-prefix matching. */
export class CookieJar {
  readonly #cookies = new Map<string, { name: string; value: string; path: string }>();

  store(requestUrl: string, setCookies: string[]): void {
    for (const line of setCookies) {
      const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const attr = (key: string) =>
        attributes.find((a) => a.toLowerCase().startsWith(`${key}=`))?.slice(key.length + 1);
      const path = attr('path') ?? (new URL(requestUrl).pathname.replace(/\/[^/]*$/, '') || '/');
      const expires = attr('expires');
      const expired = attr('max-age') === '0' || (expires !== undefined && Date.parse(expires) <= Date.now());
      if (!value || expired) this.#cookies.delete(`${name};${path}`);
      else this.#cookies.set(`${name};${path}`, { name, value, path });
    }
  }

  header(url: string): string {
    const { pathname } = new URL(url);
    return [...this.#cookies.values()]
      .filter(({ path }) => pathname === path || pathname.startsWith(path.endsWith('/') ? path : `${path}/`))
      .map(({ name, value }) => `${name}=${value}`)
      .join('; ');
  }
}
