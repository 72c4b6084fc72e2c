/**
 * Sender-constrained tokens (RFC 9449 DPoP, RFC 8705 mTLS) carry `cnf`. Until proof-of-possession
 * support lands, such a token presented as a plain bearer token is refused, JWT or introspected:
 * 401 invalid_token with its own description. Checked on tokens from oidc-provider (DPoP is on by
 * default there: a token request with a DPoP proof gets a key-bound token) and on minted tokens.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { startDevIssuer, type DevIssuer } from '../../apps/sample-api/src/dev-issuer/dev-issuer.js';
import { expectChallenge, parseChallenge } from '../helpers/challenge.js';
import { activeAnswer, fakeIntrospection } from '../helpers/introspection-app.js';
import { generateTestKey, jwkThumbprint } from '../helpers/keys.js';
import { closeAll, closeLater, startApp, type RunningApp } from '../helpers/start-app.js';
import { decodeJwt, nowSeconds, signJwt } from '../helpers/tokens.js';
import { AUDIENCE, Scenarios, type Scenario } from './support.js';

// The pipeline's binding check names what is missing: the DPoP scheme and proof, or the certificate.
const BOUND =
  /^The access token is (DPoP-bound and must be sent with the DPoP scheme|bound to a client certificate and none was presented)$/;

function expectBoundRefusal(res: Parameters<typeof expectChallenge>[0]): void {
  expectChallenge(res, { status: 401, error: 'invalid_token' });
  expect(parseChallenge(String(res.headers['www-authenticate'])).params.error_description).toMatch(BOUND);
}

describe('sender-constrained tokens (cnf)', () => {
  const scenarios = new Scenarios();
  afterAll(async () => {
    await closeAll();
    await scenarios.closeAll();
  });

  describe('from oidc-provider (the development issuer), with and without a DPoP proof', () => {
    const dpopKey = generateTestKey('ES256');
    const basic = `Basic ${Buffer.from('demo-client:demo-secret').toString('base64')}`;

    /** A client-credentials token; with `dpop`, the request carries a DPoP proof (RFC 9449 §4). */
    async function token(dev: DevIssuer, dpop: boolean): Promise<string> {
      const { kid: _kid, ...jwk } = dpopKey.publicJwk;
      const proof = signJwt(
        dpopKey,
        { jti: randomUUID(), htm: 'POST', htu: dev.tokenEndpoint, iat: nowSeconds() },
        { typ: 'dpop+jwt', kid: undefined, jwk },
      );
      const res = await fetch(dev.tokenEndpoint, {
        method: 'POST',
        headers: {
          authorization: basic,
          'content-type': 'application/x-www-form-urlencoded',
          ...(dpop ? { dpop: proof } : {}),
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'read:messages' }).toString(),
      });
      const json = (await res.json()) as { access_token?: string; token_type?: string };
      expect({ status: res.status, type: json.token_type }).toEqual({ status: 200, type: dpop ? 'DPoP' : 'Bearer' });
      return json.access_token!;
    }

    async function start(format: 'jwt' | 'opaque'): Promise<{ dev: DevIssuer; app: RunningApp }> {
      const dev = closeLater(await startDevIssuer({ port: 0, audience: AUDIENCE, accessTokenFormat: format }));
      const app = await startApp({
        issuer: dev.issuer,
        audience: AUDIENCE,
        tokenType: format === 'jwt' ? 'jwt' : 'opaque',
        introspection: format === 'jwt' ? undefined : { clientId: dev.clientId, clientSecret: dev.clientSecret },
      });
      return { dev, app };
    }

    // Regression: the DPoP-bound JWT (cnf.jkt) was accepted as a plain bearer token.
    it('refuses its DPoP-bound JWT, accepts its bearer JWT', async () => {
      const { dev, app } = await start('jwt');
      const bound = await token(dev, true);
      expect(decodeJwt(bound).payload.cnf).toEqual({ jkt: jwkThumbprint(dpopKey.publicJwk) });
      expectBoundRefusal(await app.get('/me', bound));
      expect((await app.get('/me', await token(dev, false))).status).toBe(200);
    });

    it('refuses its DPoP-bound opaque token (cnf in the introspection answer), accepts its bearer one', async () => {
      const { dev, app } = await start('opaque');
      expectBoundRefusal(await app.get('/me', await token(dev, true)));
      expect((await app.get('/me', await token(dev, false))).status).toBe(200);
    });
  });

  describe('minted tokens and a scripted introspection answer', () => {
    let jwt: Scenario;
    beforeAll(async () => {
      jwt = await scenarios.start();
    });

    it.each([
      ['cnf.jkt (DPoP)', { jkt: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs' }],
      ['cnf.x5t#S256 (mTLS)', { 'x5t#S256': 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2' }],
    ])('refuses a JWT with %s', async (_name, cnf) => {
      expectBoundRefusal(await jwt.me(jwt.mint({ cnf })));
      expect((await jwt.me()).status).toBe(200);
    });

    it('refuses an introspection answer with cnf, whatever its token_type says', async () => {
      let answer: Record<string, unknown> = {};
      const s = await scenarios.start(
        { tokenType: 'opaque', introspection: { clientId: 'c', clientSecret: 's' } },
        {},
        (issuer) => {
          const fake = fakeIntrospection(issuer, AUDIENCE);
          fake.answer = () => answer;
        },
      );
      answer = activeAnswer(s.issuer.issuer, AUDIENCE, { token_type: 'Bearer', cnf: { jkt: 'x' } });
      expectBoundRefusal(await s.me('opaque-token-1'));
      answer = activeAnswer(s.issuer.issuer, AUDIENCE);
      expect((await s.me('opaque-token-2')).status).toBe(200);
    });
  });
});
