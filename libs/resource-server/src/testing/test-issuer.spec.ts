// The test kit in Jest (native ESM), the way a user's suite runs it: a real app, real HTTP.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, Module, type INestApplication } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import {
  AccessTokenGuard,
  Principal,
  ResourceServerModule,
  Roles,
  Scopes,
  UserInfo,
  type VerifiedPrincipal,
} from '../index.js';
import { createTestIssuer, useTestIssuer, type TestIssuer } from './index.js';

@Controller('notes')
class NotesController {
  @Scopes('read:notes') @Get() list(@Principal() caller: VerifiedPrincipal) {
    return { sub: caller.subject, format: caller.tokenFormat };
  }
  @Roles('editor') @Get('edit') edit() {
    return { ok: true };
  }
  @Get('me') me(@UserInfo() info: Record<string, unknown>) {
    return info;
  }
}

@Module({
  // Configured for some real provider: the test replaces these options with the test issuer's.
  imports: [
    ResourceServerModule.forRoot({ issuer: 'https://login.example.com/', audience: 'https://api.example.com' }),
  ],
  controllers: [NotesController],
  providers: [{ provide: APP_GUARD, useExisting: AccessTokenGuard }],
})
class NotesModule {}

describe('nestjs-resource-server/testing in Jest ESM', () => {
  let issuer: TestIssuer;
  let app: INestApplication;
  const get = (path: string, token?: string) => {
    const call = request(app.getHttpServer()).get(path);
    return token === undefined ? call : call.set('Authorization', `Bearer ${token}`);
  };

  beforeAll(async () => {
    issuer = await createTestIssuer({ audience: 'https://api.example.com', userInfo: { name: 'Ada' } });
    const moduleRef = await useTestIssuer(Test.createTestingModule({ imports: [NotesModule] }), issuer).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  });
  afterAll(async () => {
    await app?.close();
    await issuer?.close();
  });

  it('serves discovery naming its own endpoints on a loopback port', async () => {
    expect(issuer.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const metadata = (await (await fetch(`${issuer.issuer}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    expect(metadata).toMatchObject({
      issuer: issuer.issuer,
      jwks_uri: `${issuer.issuer}/jwks`,
      introspection_endpoint: `${issuer.issuer}/introspect`,
    });
  });

  it('mints tokens the API accepts, with scopes, roles and claims', async () => {
    await get('/notes', issuer.token({ sub: 'ada', scopes: ['read:notes'] })).expect(200, {
      sub: 'ada',
      format: 'jwt',
    });
    await get('/notes/edit', issuer.token({ roles: ['editor'] })).expect(200);
    await get('/notes/edit', issuer.token({ roles: ['viewer'] })).expect(403);
    await get('/notes', issuer.token({ scopes: ['write:notes'] })).expect(403);
  });

  it('mints opaque tokens that its introspection endpoint vouches for', async () => {
    await get('/notes', issuer.opaqueToken({ sub: 'bob', scopes: ['read:notes'] })).expect(200, {
      sub: 'bob',
      format: 'opaque',
    });
    await get('/notes', issuer.opaqueToken({ scopes: ['read:notes'], expiresIn: -5 })).expect(401);
  });

  it('answers userinfo for the tokens it minted', async () => {
    const res = await get('/notes/me', issuer.token({ sub: 'ada' })).expect(200);
    expect(res.body).toEqual({ sub: 'ada', name: 'Ada' });
  });

  it('has tokens for the usual failures: expired, wrong audience, forged, none', async () => {
    for (const token of [issuer.expiredToken(), issuer.wrongAudienceToken(), issuer.forgedToken()]) {
      const res = await get('/notes', token).expect(401);
      expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
    }
    await get('/notes').expect(401);
  });

  it('rotates keys: new tokens verify, old ones too until the old key is withdrawn', async () => {
    const before = issuer.token({ scopes: ['read:notes'] });
    const oldKid = issuer.currentKey.kid;
    const newKey = issuer.rotateKeys();
    expect(newKey.kid).not.toBe(oldKid);
    expect(issuer.currentKey).toBe(newKey);
    await get('/notes', issuer.token({ scopes: ['read:notes'] })).expect(200);
    await get('/notes', before).expect(200);
    issuer.rotateKeys({ keepPrevious: false });
    const jwks = (await (await fetch(issuer.jwksUri)).json()) as { keys: { kid: string }[] };
    expect(jwks.keys.map((k) => k.kid)).toEqual([issuer.currentKey.kid]);
  });

  it('introspects for its client with form credentials too, and knows nothing of JWTs or strangers', async () => {
    const introspect = async (token: string) => {
      const body = new URLSearchParams({
        token,
        client_id: issuer.client.clientId,
        client_secret: issuer.client.clientSecret,
      });
      return (await (await fetch(`${issuer.issuer}/introspect`, { method: 'POST', body })).json()) as Record<
        string,
        unknown
      >;
    };
    expect(await introspect(issuer.opaqueToken({ sub: 'ada', scopes: ['a', 'b'] }))).toMatchObject({
      active: true,
      sub: 'ada',
      scope: 'a b',
      token_type: 'Bearer',
    });
    expect(await introspect(issuer.token())).toEqual({ active: false });
    expect(await introspect('never-minted')).toEqual({ active: false });
  });

  it('answers userinfo 401 for a token it did not mint, an expired one, or none', async () => {
    for (const authorization of ['Bearer never-minted', `Bearer ${issuer.expiredToken()}`, undefined]) {
      const res = await fetch(`${issuer.issuer}/userinfo`, { headers: authorization ? { authorization } : {} });
      expect(res.status).toBe(401);
    }
  });

  it('lays overrides over its module options', () => {
    expect(issuer.moduleOptions({ tokenType: 'jwt', realm: 'notes' })).toMatchObject({
      issuer: issuer.issuer,
      audience: 'https://api.example.com',
      tokenType: 'jwt',
      realm: 'notes',
      introspection: issuer.client,
    });
  });

  it('refuses introspection to a client without its credentials', async () => {
    const res = await fetch(`${issuer.issuer}/introspect`, {
      method: 'POST',
      body: new URLSearchParams({ token: issuer.opaqueToken() }),
    });
    expect(res.status).toBe(401);
  });
});
