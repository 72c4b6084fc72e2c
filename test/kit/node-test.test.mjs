// The test kit under node:test, as a plain-JavaScript consumer imports it: the package's own
// `nestjs-resource-server` and `nestjs-resource-server/testing` entries (built), no Jest, no TypeScript.
import 'reflect-metadata';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Controller, Get, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { AccessTokenGuard, ResourceServerModule, Scopes } from 'nestjs-resource-server';
import { createTestIssuer, useTestIssuer } from 'nestjs-resource-server/testing';

// Decorators applied by hand: plain JavaScript has no decorator syntax yet.
class NotesController {
  list() {
    return ['first note'];
  }
}
Controller('notes')(NotesController);
const list = Object.getOwnPropertyDescriptor(NotesController.prototype, 'list');
Scopes('read:notes')(NotesController.prototype, 'list', list);
Get()(NotesController.prototype, 'list', list);

class AppModule {}
Module({
  imports: [
    ResourceServerModule.forRoot({ issuer: 'https://login.example.com/', audience: 'https://api.example.com' }),
  ],
  controllers: [NotesController],
  providers: [{ provide: APP_GUARD, useExisting: AccessTokenGuard }],
})(AppModule);

describe('nestjs-resource-server/testing under node:test', () => {
  let issuer;
  let app;
  let base;
  const call = (token) => fetch(`${base}/notes`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  before(async () => {
    issuer = await createTestIssuer({ audience: 'https://api.example.com' });
    const moduleRef = await useTestIssuer(Test.createTestingModule({ imports: [AppModule] }), issuer).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  });
  after(async () => {
    await app?.close();
    await issuer?.close();
  });

  it('accepts a token with the scope', async () => {
    const res = await call(issuer.token({ scopes: ['read:notes'] }));
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), ['first note']);
  });

  it('answers 403 insufficient_scope without it', async () => {
    const res = await call(issuer.token({ scopes: ['other'] }));
    assert.equal(res.status, 403);
    assert.match(res.headers.get('www-authenticate'), /error="insufficient_scope", .*scope="read:notes"/);
  });

  it('refuses expired, wrong-audience and forged tokens, and no token', async () => {
    for (const token of [issuer.expiredToken(), issuer.wrongAudienceToken(), issuer.forgedToken(), undefined]) {
      assert.equal((await call(token)).status, 401);
    }
  });

  it('accepts its opaque tokens through introspection', async () => {
    assert.equal((await call(issuer.opaqueToken({ scopes: ['read:notes'] }))).status, 200);
  });
});
