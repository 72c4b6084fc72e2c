// RFC 9728 served by the module: the document (scopes collected from the decorators), its signed
// form, the resource_metadata challenge parameter, and a 404 while it is not configured.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { parseChallenges } from '../helpers/challenge.js';
import { startLocalIssuer } from '../helpers/issuer-server.js';
import { generateTestKey } from '../helpers/keys.js';
import { closeAll, closeLater, startApp, type RunningApp } from '../helpers/start-app.js';

const RESOURCE = 'https://api.example.com';

describe('protected-resource metadata (RFC 9728)', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  let iss: string;
  let configured: RunningApp;
  let plain: RunningApp;

  beforeAll(async () => {
    iss = closeLater(await startLocalIssuer({ keys: [generateTestKey('RS256')] })).issuer;
    configured = await startApp({
      issuer: iss,
      audience: RESOURCE,
      tokenLocations: ['query'],
      resourceMetadata: {
        resource: RESOURCE,
        resourceDocumentation: 'https://docs.example.com/api',
        signing: { key: privateKey, alg: 'ES256', kid: 'meta-1' },
      },
    });
    plain = await startApp({ issuer: iss, audience: RESOURCE });
  });
  afterAll(closeAll);

  it('serves the document, with the scopes of every @Scopes / @AnyScope in the app', async () => {
    const res = await configured.http.get('/.well-known/oauth-protected-resource');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('public, max-age=3600');
    expect(res.body).toMatchObject({
      resource: RESOURCE,
      authorization_servers: [iss],
      scopes_supported: ['admin:messages', 'read:messages', 'write:messages'],
      bearer_methods_supported: ['header', 'query'],
      resource_documentation: 'https://docs.example.com/api',
    });
  });

  it('signed_metadata is a JWT of the same document that verifies with the public key', async () => {
    const { body } = await configured.http.get('/.well-known/oauth-protected-resource');
    const [h, p, s] = String(body.signed_metadata).split('.') as [string, string, string];
    expect(JSON.parse(Buffer.from(h, 'base64url').toString())).toEqual({ alg: 'ES256', typ: 'JWT', kid: 'meta-1' });
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({ resource: RESOURCE, iss: RESOURCE, scopes_supported: body.scopes_supported });
    const key = createPublicKey(publicKey.export({ format: 'pem', type: 'spki' }));
    expect(
      verify('sha256', Buffer.from(`${h}.${p}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url')),
    ).toBe(true);
  });

  it('401 challenges carry resource_metadata', async () => {
    const res = await configured.http.get('/read');
    expect(parseChallenges(String(res.headers['www-authenticate'])).map((c) => c.params.resource_metadata)).toEqual([
      `${RESOURCE}/.well-known/oauth-protected-resource`,
      `${RESOURCE}/.well-known/oauth-protected-resource`,
    ]);
  });

  it('without resourceMetadata: 404, and no resource_metadata in challenges', async () => {
    expect((await plain.http.get('/.well-known/oauth-protected-resource')).status).toBe(404);
    const res = await plain.http.get('/read');
    expect(
      parseChallenges(String(res.headers['www-authenticate'])).every((c) => c.params.resource_metadata === undefined),
    ).toBe(true);
  });
});
