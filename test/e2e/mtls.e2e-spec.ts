// RFC 8705 §3: certificate-bound access tokens over a real HTTPS server (Nest with httpsOptions,
// requestCert) and client certificates generated in the test; then behind a TLS-terminating proxy,
// the certificate forwarded in a header only when the app is configured to read it.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Module, type INestApplication } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { X509Certificate, createHash } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import { generate } from 'selfsigned';
import request from 'supertest';
import { AccessTokenGuard, ResourceServerModule, type ResourceServerModuleOptions } from 'nestjs-resource-server';
import { parseChallenge } from '../helpers/challenge.js';
import { startLocalIssuer } from '../helpers/issuer-server.js';
import { generateTestKey } from '../helpers/keys.js';
import { ProbeController } from '../helpers/probe.controller.js';
import { closeAll, closeLater, startApp } from '../helpers/start-app.js';
import { mintAccessToken } from '../helpers/tokens.js';

const AUDIENCE = 'https://api.example.test';

/** A self-signed certificate (RFC 8705 §2.2 allows them) and its x5t#S256. */
async function certificate(name: string) {
  const pems = await generate([{ name: 'commonName', value: name }], {
    keyType: 'ec',
    curve: 'P-256',
    notAfterDate: new Date(Date.now() + 86_400_000),
  });
  const thumbprint = createHash('sha256').update(new X509Certificate(pems.cert).raw).digest('base64url');
  return { cert: pems.cert, key: pems.private, thumbprint };
}

async function startHttpsApp(
  options: ResourceServerModuleOptions,
  server: { cert: string; key: string },
): Promise<{ app: INestApplication; port: number }> {
  @Module({
    imports: [ResourceServerModule.forRoot(options)],
    controllers: [ProbeController],
    providers: [{ provide: APP_GUARD, useExisting: AccessTokenGuard }],
  })
  class HttpsAppModule {}
  const moduleRef = await Test.createTestingModule({ imports: [HttpsAppModule] }).compile();
  // Client certificates are requested but not chain-validated here: the binding is the thumbprint,
  // and TLS itself proves the client holds the certificate's private key.
  const app = moduleRef.createNestApplication({
    logger: false,
    httpsOptions: { cert: server.cert, key: server.key, requestCert: true, rejectUnauthorized: false },
  });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return { app: closeLater(app), port: address.port };
}

/** GET over TLS, with a client certificate when given. */
function get(
  port: number,
  path: string,
  token: string,
  client?: { cert: string; key: string },
): Promise<{ status: number; challenge: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        headers: { authorization: `Bearer ${token}` },
        rejectUnauthorized: false,
        ...(client ?? {}),
        agent: false,
      },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, challenge: String(res.headers['www-authenticate'] ?? ''), body }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('mutual-TLS certificate-bound tokens (RFC 8705)', () => {
  const key = generateTestKey('RS256');
  let iss: string;
  let port: number;
  let alice: Awaited<ReturnType<typeof certificate>>;
  let mallory: Awaited<ReturnType<typeof certificate>>;
  const bound = (thumbprint: string) =>
    mintAccessToken(key, { iss, aud: AUDIENCE, scope: 'read:messages', cnf: { 'x5t#S256': thumbprint } });

  beforeAll(async () => {
    const issuer = closeLater(await startLocalIssuer({ keys: [key] }));
    iss = issuer.issuer;
    [alice, mallory] = await Promise.all([certificate('alice'), certificate('mallory')]);
    ({ port } = await startHttpsApp({ issuer: iss, audience: AUDIENCE }, await certificate('localhost')));
  });
  afterAll(closeAll);

  it('accepts a token bound to the certificate the client presents', async () => {
    expect((await get(port, '/read', bound(alice.thumbprint), alice)).status).toBe(200);
  });

  it('refuses it over a connection with another certificate', async () => {
    const res = await get(port, '/read', bound(alice.thumbprint), mallory);
    expect(res.status).toBe(401);
    expect(parseChallenge(res.challenge).params).toMatchObject({
      error: 'invalid_token',
      error_description: 'The client certificate does not match the one the access token is bound to',
    });
  });

  it('refuses it over a connection without a client certificate', async () => {
    const res = await get(port, '/read', bound(alice.thumbprint));
    expect(res.status).toBe(401);
    expect(parseChallenge(res.challenge).params.error_description).toBe(
      'The access token is bound to a client certificate and none was presented',
    );
  });

  it('an unbound token works with or without a client certificate', async () => {
    const plain = mintAccessToken(key, { iss, aud: AUDIENCE, scope: 'read:messages' });
    expect((await get(port, '/read', plain, mallory)).status).toBe(200);
    expect((await get(port, '/read', plain)).status).toBe(200);
  });

  it('a forwarded-certificate header is ignored unless configured (a client could set it)', async () => {
    const res = await new Promise<number>((resolve, reject) => {
      const req = httpsRequest(
        {
          host: '127.0.0.1',
          port,
          path: '/read',
          rejectUnauthorized: false,
          agent: false,
          headers: {
            authorization: `Bearer ${bound(alice.thumbprint)}`,
            'x-ssl-client-cert': encodeURIComponent(alice.cert),
          },
        },
        (r) => (r.resume(), resolve(r.statusCode ?? 0)),
      );
      req.on('error', reject);
      req.end();
    });
    expect(res).toBe(401);
  });
});

describe('mutual TLS behind a TLS-terminating proxy (clientCertificateHeader)', () => {
  const key = generateTestKey('RS256');
  let iss: string;
  let http: ReturnType<typeof request>;
  let alice: Awaited<ReturnType<typeof certificate>>;

  beforeAll(async () => {
    const issuer = closeLater(await startLocalIssuer({ keys: [key] }));
    iss = issuer.issuer;
    alice = await certificate('alice');
    ({ http } = await startApp({ issuer: iss, audience: AUDIENCE, clientCertificateHeader: 'X-SSL-Client-Cert' }));
  });
  afterAll(closeAll);

  const token = () =>
    mintAccessToken(key, { iss, aud: AUDIENCE, scope: 'read:messages', cnf: { 'x5t#S256': alice.thumbprint } });

  it('reads the certificate the proxy forwards (URL-encoded PEM, as nginx and AWS ALB send it)', async () => {
    expect(
      (
        await http
          .get('/read')
          .set('Authorization', `Bearer ${token()}`)
          .set('X-SSL-Client-Cert', encodeURIComponent(alice.cert))
      ).status,
    ).toBe(200);
  });

  it('refuses another certificate, junk, or none', async () => {
    const other = await certificate('other');
    for (const value of [encodeURIComponent(other.cert), 'junk', undefined]) {
      const req = http.get('/read').set('Authorization', `Bearer ${token()}`);
      const res = await (value === undefined ? req : req.set('X-SSL-Client-Cert', value));
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('invalid_token');
    }
  });
});
