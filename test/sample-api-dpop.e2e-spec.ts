// The sample API's contract for sender-constrained tokens and RFC 9728: OIDC_DPOP (off | allowed |
// required) and GET /.well-known/oauth-protected-resource, with the embedded development issuer
// (oidc-provider, DPoP enabled) issuing DPoP-bound tokens to demo-client through panva's dpop client.
import { createPlatformApp } from './helpers/start-app.js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { generateKeyPair, generateProof, type KeyPair } from 'dpop';
import request from 'supertest';
import { AppModule } from '../apps/sample-api/src/app.module.js';
import { startDevIssuer, type DevIssuer } from '../apps/sample-api/src/dev-issuer/dev-issuer.js';
import { parseChallenges } from './helpers/challenge.js';

const AUDIENCE = 'http://localhost:3000';
const ENV = [
  'OIDC_ISSUER',
  'OIDC_AUDIENCE',
  'OIDC_TOKEN_TYPE',
  'OIDC_CLIENT_ID',
  'OIDC_CLIENT_SECRET',
  'OIDC_PROVIDER',
  'OIDC_DPOP',
];

interface Running {
  app: INestApplication;
  base: string;
  http: ReturnType<typeof request>;
}

/** The sample AppModule as main.ts runs it, listening (a DPoP proof names the URL it is for). */
async function bootSampleApi(issuer: DevIssuer, dpop?: string): Promise<Running> {
  for (const name of ENV) delete process.env[name];
  Object.assign(
    process.env,
    { OIDC_ISSUER: issuer.issuer, OIDC_AUDIENCE: AUDIENCE },
    dpop === undefined ? {} : { OIDC_DPOP: dpop },
  );
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  const app = await createPlatformApp(moduleRef, { logger: false });
  await app.listen(0, '127.0.0.1');
  const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return { app, base, http: request(base) };
}

async function clientToken(issuer: DevIssuer, pair?: KeyPair): Promise<string> {
  const headers: Record<string, string> = {
    authorization: `Basic ${Buffer.from(`${issuer.clientId}:${issuer.clientSecret}`).toString('base64')}`,
    'content-type': 'application/x-www-form-urlencoded',
  };
  if (pair) headers.dpop = await generateProof(pair, issuer.tokenEndpoint, 'POST');
  const response = await fetch(issuer.tokenEndpoint, {
    method: 'POST',
    headers,
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'read:messages' }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

describe('sample API: DPoP and protected-resource metadata', () => {
  let issuer: DevIssuer;
  const running: Running[] = [];
  let pair: KeyPair;

  beforeAll(async () => {
    issuer = await startDevIssuer({ port: 0, audience: AUDIENCE });
    pair = await generateKeyPair('ES256');
  });
  afterAll(async () => {
    for (const r of running) await r.app.close();
    await issuer?.close();
    for (const name of ENV) delete process.env[name];
  });

  const boot = async (dpop?: string) => {
    const r = await bootSampleApi(issuer, dpop);
    running.push(r);
    return r;
  };
  const withDpop = async (api: Running, token: string, path = '/messages') =>
    api.http
      .get(path)
      .set('Authorization', `DPoP ${token}`)
      .set('DPoP', await generateProof(pair, `${api.base}${path}`, 'GET', undefined, token));

  it('GET /.well-known/oauth-protected-resource is public and describes the sample API', async () => {
    const api = await boot();
    const res = await api.http.get('/.well-known/oauth-protected-resource');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual({
      resource: AUDIENCE,
      resource_name: 'Sample messages API',
      authorization_servers: [issuer.issuer],
      scopes_supported: ['admin:messages', 'read:messages', 'write:messages'],
      bearer_methods_supported: ['header'],
      tls_client_certificate_bound_access_tokens: true,
      dpop_signing_alg_values_supported: [
        'RS256',
        'RS384',
        'RS512',
        'PS256',
        'PS384',
        'PS512',
        'ES256',
        'ES384',
        'ES512',
        'EdDSA',
        'Ed25519',
      ],
    });
  });

  it('401 challenges name the metadata (resource_metadata), for Bearer and DPoP', async () => {
    const api = await boot();
    const res = await api.http.get('/messages');
    expect(res.status).toBe(401);
    const challenges = parseChallenges(String(res.headers['www-authenticate']));
    expect(challenges.map((c) => [c.scheme, c.params.resource_metadata])).toEqual([
      ['Bearer', `${AUDIENCE}/.well-known/oauth-protected-resource`],
      ['DPoP', `${AUDIENCE}/.well-known/oauth-protected-resource`],
    ]);
  });

  it('OIDC_DPOP unset (allowed): demo-client DPoP-bound tokens work with proofs, never as Bearer; plain tokens as Bearer', async () => {
    const api = await boot();
    const bound = await clientToken(issuer, pair);
    expect((await withDpop(api, bound)).status).toBe(200);
    expect((await api.http.get('/messages').set('Authorization', `Bearer ${bound}`)).status).toBe(401);
    expect((await api.http.get('/messages').set('Authorization', `Bearer ${await clientToken(issuer)}`)).status).toBe(
      200,
    );
  });

  it('OIDC_DPOP=required: only DPoP-bound tokens, and the metadata says so', async () => {
    const api = await boot('required');
    expect((await withDpop(api, await clientToken(issuer, pair))).status).toBe(200);
    const plain = await api.http.get('/messages').set('Authorization', `Bearer ${await clientToken(issuer)}`);
    expect(plain.status).toBe(401);
    expect(parseChallenges(String(plain.headers['www-authenticate'])).map((c) => c.scheme)).toEqual(['DPoP']);
    expect((await api.http.get('/.well-known/oauth-protected-resource')).body.dpop_bound_access_tokens_required).toBe(
      true,
    );
  });

  it('OIDC_DPOP=off: the DPoP scheme is refused (a bound token cannot be used at all), plain Bearer tokens work', async () => {
    const api = await boot('off');
    const bound = await clientToken(issuer, pair);
    expect((await withDpop(api, bound)).status).toBe(401);
    expect((await api.http.get('/messages').set('Authorization', `Bearer ${bound}`)).status).toBe(401);
    expect((await api.http.get('/messages').set('Authorization', `Bearer ${await clientToken(issuer)}`)).status).toBe(
      200,
    );
    expect(
      (await api.http.get('/.well-known/oauth-protected-resource')).body.dpop_signing_alg_values_supported,
    ).toBeUndefined();
  });

  it('an OIDC_DPOP value other than off, allowed or required stops the app at startup', async () => {
    await expect(bootSampleApi(issuer, 'sometimes')).rejects.toThrow(/OIDC_DPOP must be one of off, allowed, required/);
  });
});
