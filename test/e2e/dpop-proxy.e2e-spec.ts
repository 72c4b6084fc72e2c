// RFC 9449 §4.3 check 9 behind a reverse proxy: htu is the external URL, which the app learns from
// Forwarded / X-Forwarded-* only when told a trusted proxy sets them (trustProxy).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { dpopProof, jkt } from '../helpers/dpop.js';
import { startLocalIssuer } from '../helpers/issuer-server.js';
import { generateTestKey } from '../helpers/keys.js';
import { closeAll, closeLater, startApp, type RunningApp } from '../helpers/start-app.js';
import { mintAccessToken } from '../helpers/tokens.js';

const AUDIENCE = 'https://api.example.com';
const EXTERNAL = 'https://api.example.com/read';

describe('DPoP behind a trusted proxy', () => {
  const signing = generateTestKey('RS256');
  const client = generateTestKey('EdDSA');
  let iss: string;
  let trusting: RunningApp;
  let direct: RunningApp;
  const token = () => mintAccessToken(signing, { iss, aud: AUDIENCE, scope: 'read:messages', cnf: { jkt: jkt(client) } });
  const viaProxy = (app: RunningApp, t: string, headers: Record<string, string>) => {
    const req = app.http.get('/read').set('Authorization', `DPoP ${t}`).set('DPoP', dpopProof(client, t, { htm: 'GET', htu: EXTERNAL }));
    for (const [name, value] of Object.entries(headers)) req.set(name, value);
    return req;
  };

  beforeAll(async () => {
    iss = closeLater(await startLocalIssuer({ keys: [signing] })).issuer;
    trusting = await startApp({ issuer: iss, audience: AUDIENCE, trustProxy: true });
    direct = await startApp({ issuer: iss, audience: AUDIENCE });
  });
  afterAll(closeAll);

  it('with trustProxy, a proof for the external URL is accepted (X-Forwarded-Proto/Host, or Forwarded)', async () => {
    const t = token();
    expect((await viaProxy(trusting, t, { 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'api.example.com' })).status).toBe(200);
    expect((await viaProxy(trusting, t, { Forwarded: 'for=10.0.0.1;proto=https;host=api.example.com' })).status).toBe(200);
  });

  it('without trustProxy, the forwarding headers are ignored: the proof does not match the URL', async () => {
    const res = await viaProxy(direct, token(), { 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'api.example.com' });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: 'invalid_dpop_proof', message: 'The DPoP proof htu does not match the request URI' });
  });

  it('a DPoP-bound token passed to AccessTokenVerifier.verify() (no proof at hand) is refused', async () => {
    const { AccessTokenVerifier } = await import('nestjs-resource-server');
    const verifier = direct.app.get(AccessTokenVerifier);
    await expect(verifier.verify(token())).rejects.toMatchObject({ code: 'sender_constrained_token', status: 401 });
    await expect(verifier.verify(mintAccessToken(signing, { iss, aud: AUDIENCE }))).resolves.toMatchObject({ issuer: iss });
  });
});
