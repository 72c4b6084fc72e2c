import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createProvider,
  DEMO_CLIENT,
  DEMO_USER,
  type InteractionDetails,
  type OidcProvider,
} from './dev-issuer.config.js';

/** How to start the development OpenID provider. */
export interface DevIssuerOptions {
  /** TCP port; 0 picks a free ephemeral port. */
  port: number;
  /** Interface to bind and to name in the issuer URL; default '127.0.0.1'. */
  host?: string;
  /** The API's audience: the only resource indicator this issuer accepts and its default one. */
  audience: string;
  /** Format of access tokens for the API; default 'jwt' (RFC 9068, RS256). */
  accessTokenFormat?: 'jwt' | 'opaque';
  /** Access-token lifetime in seconds; default 3600. */
  accessTokenTtl?: number;
  /** Browser origins allowed to call the token endpoint (CORS), e.g. the API's for Swagger UI; default none. */
  corsOrigins?: readonly string[];
  /** Extra redirect URIs of demo-client, e.g. Swagger UI's oauth2-redirect.html; default none. */
  redirectUris?: readonly string[];
  /** The API's back-channel logout endpoint, registered for demo-client (OpenID Connect Back-Channel Logout 1.0). */
  backchannelLogoutUri?: string;
}

/** A running development OpenID provider (oidc-provider 9) with one client and one user. */
export interface DevIssuer {
  /** Issuer identifier, e.g. 'http://127.0.0.1:4000' (no trailing slash). */
  readonly issuer: string;
  readonly tokenEndpoint: string;
  readonly clientId: 'demo-client';
  readonly clientSecret: 'demo-secret';
  /** The demo user's subject and login credentials. */
  readonly user: { sub: string; username: string; password: string };
  /** Stops listening and drops open (keep-alive) connections. */
  close(): Promise<void>;
}

/**
 * Starts a development OpenID provider: fresh RSA signing key, in-memory storage, the confidential
 * client demo-client/demo-secret and the user demo/demo-password. For local runs and tests only.
 */
export async function startDevIssuer(options: DevIssuerOptions): Promise<DevIssuer> {
  const host = options.host ?? '127.0.0.1';
  // The issuer must name the real port, which is unknown before listening when port is 0, so the
  // server listens first and only then gets the provider's request handler.
  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
    res.writeHead(503).end();
  };
  const server = createServer((req, res) => handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });

  const { port } = server.address() as AddressInfo;
  const issuer = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let provider: OidcProvider;
  try {
    provider = createProvider(issuer, {
      audience: options.audience,
      accessTokenFormat: options.accessTokenFormat ?? 'jwt',
      accessTokenTtl: options.accessTokenTtl ?? 3600,
      corsOrigins: options.corsOrigins ?? [],
      redirectUris: options.redirectUris ?? [],
      backchannelLogoutUri: options.backchannelLogoutUri,
    });
  } catch (error) {
    server.close(); // a listening server left behind would keep Jest (or the app) from exiting
    throw error;
  }
  // A 5xx is a bug in this configuration; without a listener oidc-provider would swallow it.
  provider.on('server_error', (_ctx, error) => console.error('dev issuer server_error:', error));
  const callback = provider.callback();
  handle = (req, res) => {
    if (req.url?.startsWith('/interaction/')) {
      interaction(provider, req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' });
        res.end(String(error));
      });
    } else {
      callback(req, res);
    }
  };

  return {
    issuer,
    tokenEndpoint: `${issuer}/token`,
    clientId: DEMO_CLIENT.clientId,
    clientSecret: DEMO_CLIENT.clientSecret,
    user: { ...DEMO_USER },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/**
 * Our own login and consent pages (instead of oidc-provider's devInteractions, which warn on every
 * start): GET /interaction/:uid renders a form, POST /interaction/:uid/login|confirm completes it.
 */
async function interaction(provider: OidcProvider, req: IncomingMessage, res: ServerResponse) {
  const details = await provider.interactionDetails(req, res);
  const [, , uid, action] = (req.url ?? '').split(/[/?]/);
  if (uid !== details.uid) throw new Error('interaction mismatch');

  if (req.method === 'GET') return page(res, details);
  const form = new URLSearchParams(await readBody(req));

  if (action === 'login' && details.prompt.name === 'login') {
    const ok = form.get('username') === DEMO_USER.username && form.get('password') === DEMO_USER.password;
    if (!ok) return page(res, details, 'Wrong username or password.');
    const result = { login: { accountId: DEMO_USER.sub } };
    return provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
  }

  if (action === 'confirm' && details.prompt.name === 'consent') {
    const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = details.prompt.details;
    const grant = details.grantId
      ? await findGrant(provider, details.grantId)
      : new provider.Grant({ accountId: DEMO_USER.sub, clientId: details.params.client_id });
    if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
    if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
    for (const [resource, scopes] of Object.entries(missingResourceScopes ?? {})) {
      grant.addResourceScope(resource, scopes.join(' '));
    }
    const result = { consent: { grantId: await grant.save() } };
    return provider.interactionFinished(req, res, result, { mergeWithLastSubmission: true });
  }

  if (action === 'abort') {
    const result = { error: 'access_denied', error_description: 'End-User aborted interaction' };
    return provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
  }
  throw new Error(`unexpected ${req.method} ${action ?? ''} for prompt ${details.prompt.name}`);
}

async function findGrant(provider: OidcProvider, grantId: string) {
  const grant = await provider.Grant.find(grantId);
  if (!grant) throw new Error('grant not found');
  return grant;
}

function page(res: ServerResponse, details: InteractionDetails, error?: string) {
  const action = `/interaction/${details.uid}/${details.prompt.name === 'login' ? 'login' : 'confirm'}`;
  const fields =
    details.prompt.name === 'login'
      ? '<input name="username" placeholder="demo"><input name="password" type="password">'
      : `<p>Allow ${escape(details.params.client_id)}: ${escape(details.params.scope ?? '')}?</p>`;
  const html = `<!doctype html><title>Dev issuer</title><h1>${escape(details.prompt.name)}</h1>
${error ? `<p role="alert">${escape(error)}</p>` : ''}
<form method="post" action="${action}">${fields}<button>Continue</button></form>
<form method="post" action="/interaction/${details.uid}/abort"><button>Cancel</button></form>`;
  res.writeHead(error ? 401 : 200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(html);
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
