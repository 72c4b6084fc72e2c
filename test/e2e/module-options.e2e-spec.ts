/**
 * Misconfiguration stops the application at bootstrap with a ResourceServerConfigError whose message
 * names the option to fix; valid configurations boot, through forRoot and forRootAsync alike.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, Module, type INestApplication } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import {
  AccessTokenGuard,
  Principal,
  ResourceServerConfigError,
  ResourceServerModule,
  Scopes,
  type ResourceServerModuleOptions,
} from 'nestjs-resource-server';
import { expectChallenge } from '../helpers/challenge.js';
import { startLocalIssuer, type LocalIssuer } from '../helpers/issuer-server.js';
import { generateTestKey } from '../helpers/keys.js';
import { createPlatformApp, initForRequests, startApp } from '../helpers/start-app.js';
import { AUDIENCE, bearer, minter } from './support.js';

const ISSUER = 'https://id.example.test/';
const VALID: ResourceServerModuleOptions = { issuer: ISSUER, audience: AUDIENCE };

/** Every JWT-related option, each with a valid non-default value. */
const EVERY_OPTION = {
  jwksUri: 'https://id.example.test/jwks',
  algorithms: ['ES256'],
  clockTolerance: 10,
  maxTokenAge: 3600,
  requiredClaims: ['jti'],
  strict: true,
  scopeClaims: ['permissions'],
  tokenLocations: ['body', 'query'],
  maxTokenLength: 4096,
  realm: 'orders',
  httpTimeoutMs: 2000,
  warmUp: false,
  verifiedTokenCache: { maxEntries: 10 },
  keySet: {
    cacheMaxAgeMs: 1,
    maxStaleAgeMs: 2,
    refetchCooldownMs: 3,
    retryIntervalMs: 4,
    negativeCacheTtlMs: 5,
    negativeCacheSize: 6,
    maxKeys: 7,
  },
};

/** Options as a misconfigured app would pass them (wrong types included). */
type LooseOptions = Record<string, unknown>;

/** Boots with `options`, closing the app if it unexpectedly boots; resolves to the boot error. */
async function bootError(options: LooseOptions): Promise<unknown> {
  try {
    const app = await startApp(options as unknown as ResourceServerModuleOptions, { listen: false });
    await app.close();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('module options', () => {
  describe('refused at bootstrap', () => {
    it.each<[string, LooseOptions, RegExp]>([
      ['a missing issuer', { issuer: undefined }, /`issuer` is required/],
      ['an empty issuer', { issuer: '' }, /`issuer` is required/],
      ['an issuer that is no URL', { issuer: 'id.example.test' }, /`issuer` must be an absolute URL/],
      ['an http issuer on a non-loopback host', { issuer: 'http://id.example.test/' }, /`issuer` must use https/],
      [
        'an http issuer on a host that only starts like loopback',
        { issuer: 'http://127.0.0.1.nip.io/' },
        /`issuer` must use https/,
      ],
      [
        'an http jwksUri on a non-loopback host',
        { jwksUri: 'http://id.example.test/jwks' },
        /`jwksUri` must use https/,
      ],
      ['an http jwksUri on 0.0.0.0', { jwksUri: 'http://0.0.0.0:8080/jwks' }, /`jwksUri` must use https/],
      ['a missing audience', { audience: undefined }, /`audience` is required/],
      ['an empty audience', { audience: '' }, /`audience` is required/],
      ['an empty audience list', { audience: [] }, /`audience` is required/],
      ['audience: true', { audience: true }, /`audience` is required/],
      ["algorithms ['HS256']", { algorithms: ['HS256'] }, /`algorithms` contains HS256/],
      ["algorithms ['RS256', 'HS512']", { algorithms: ['RS256', 'HS512'] }, /`algorithms` contains HS512/],
      ["algorithms ['none']", { algorithms: ['none'] }, /`algorithms` contains "none"/],
      ['an empty algorithms list', { algorithms: [] }, /`algorithms` must be a non-empty list/],
      ['clockTolerance -1', { clockTolerance: -1 }, /`clockTolerance`/],
      ['clockTolerance above 300 s', { clockTolerance: 3600 }, /`clockTolerance`/],
      ['clockTolerance as a string', { clockTolerance: '5' }, /`clockTolerance`/],
      ['a negative maxTokenAge', { maxTokenAge: -60 }, /`maxTokenAge`/],
      ['an unknown token location', { tokenLocations: ['cookie'] }, /`tokenLocations`/],
      ['a realm with a quote', { realm: 'my "api"' }, /`realm`/],
      ['an empty scopeClaims list', { scopeClaims: [] }, /`scopeClaims`/],
      ['an empty required claim name', { requiredClaims: [''] }, /`requiredClaims`/],
      ['a negative maxTokenLength', { maxTokenLength: -1 }, /`maxTokenLength`/],
      ['a negative keySet.retryIntervalMs', { keySet: { retryIntervalMs: -1 } }, /`keySet\.retryIntervalMs`/],
      ['an httpTimeoutMs of 0 (every call would time out)', { httpTimeoutMs: 0 }, /`httpTimeoutMs`/],
      ['a maxTokenLength of 0 (every token would be refused)', { maxTokenLength: 0 }, /`maxTokenLength`/],
    ])('refuses %s with a ResourceServerConfigError naming it', async (_name, patch, message) => {
      const error = await bootError({ ...VALID, ...patch });
      expect(error).toBeInstanceOf(ResourceServerConfigError);
      expect((error as Error).message).toMatch(message);
    });

    it('lists every problem at once', async () => {
      const error = await bootError({ algorithms: ['none'], clockTolerance: -1 });
      expect(error).toBeInstanceOf(ResourceServerConfigError);
      for (const name of ['issuer', 'audience', 'algorithms', 'clockTolerance']) {
        expect((error as Error).message).toContain(`\`${name}\``);
      }
    });

    it('refuses invalid options returned by a forRootAsync factory', async () => {
      @Module({
        imports: [
          ResourceServerModule.forRootAsync({ useFactory: async () => ({ ...VALID, algorithms: ['HS256' as never] }) }),
        ],
      })
      class BadAsyncModule {}
      const compiling = Test.createTestingModule({ imports: [BadAsyncModule] }).compile();
      await expect(compiling).rejects.toThrow(ResourceServerConfigError);
    });
  });

  describe('accepted at bootstrap', () => {
    it.each<[string, LooseOptions]>([
      ['an https issuer', {}],
      ['an http issuer on localhost', { issuer: 'http://localhost:8080/realms/demo' }],
      ['an http issuer on 127.0.0.1', { issuer: 'http://127.0.0.1:9000' }],
      ['an http issuer on [::1]', { issuer: 'http://[::1]:9000' }],
      ['an http issuer with allowInsecureRequests', { issuer: 'http://id.internal/', allowInsecureRequests: true }],
      ['audience: false', { audience: false }],
      ['an audience list', { audience: [AUDIENCE, 'https://other.example.test'] }],
      ["algorithms ['EdDSA']", { algorithms: ['EdDSA'] }],
      ['clockTolerance 0', { clockTolerance: 0 }],
      ['every JWT option set', EVERY_OPTION],
    ])('boots with %s', async (_name, patch) => {
      const app = await startApp({ ...VALID, ...patch } as ResourceServerModuleOptions, { listen: false });
      try {
        const res = await app.get('/open');
        expect(res.status).toBe(200);
      } finally {
        await app.close();
      }
    });
  });

  describe('forRootAsync', () => {
    const key = generateTestKey('RS256');
    let issuer: LocalIssuer;
    let app: INestApplication;

    @Controller('orders')
    class OrdersController {
      @Scopes('read:orders')
      @Get()
      list(@Principal('subject') subject: string) {
        return { subject };
      }
    }

    beforeAll(async () => {
      issuer = await startLocalIssuer({ keys: [key] });
      const SETTINGS = Symbol('settings');

      @Module({
        providers: [{ provide: SETTINGS, useValue: { issuer: issuer.issuer, audience: AUDIENCE, realm: 'orders' } }],
        exports: [SETTINGS],
      })
      class SettingsModule {}

      @Module({
        imports: [
          ResourceServerModule.forRootAsync({
            imports: [SettingsModule],
            inject: [SETTINGS],
            useFactory: async (settings: ResourceServerModuleOptions) => ({ ...settings, clockTolerance: 0 }),
          }),
        ],
        controllers: [OrdersController],
        providers: [{ provide: APP_GUARD, useExisting: AccessTokenGuard }],
      })
      class AsyncAppModule {}

      const moduleRef = await Test.createTestingModule({ imports: [AsyncAppModule] }).compile();
      app = await createPlatformApp(moduleRef, { logger: false });
      await initForRequests(app);
    });

    afterAll(async () => {
      await app?.close();
      await issuer?.close();
    });

    it('protects routes with the options the factory returned', async () => {
      expectChallenge(await request(app.getHttpServer()).get('/orders'), { status: 401, realm: 'orders' });
    });

    it('accepts a valid token with the required scope', async () => {
      const token = minter(key, issuer.issuer)({ sub: 'carol', scope: 'read:orders' });
      const res = await request(app.getHttpServer()).get('/orders').set(bearer(token));
      expect([res.status, res.body]).toEqual([200, { subject: 'carol' }]);
    });

    it('answers a missing scope with 403 in the configured realm', async () => {
      const token = minter(key, issuer.issuer)({ scope: 'read:messages' });
      const res = await request(app.getHttpServer()).get('/orders').set(bearer(token));
      expectChallenge(res, { status: 403, error: 'insufficient_scope', scope: 'read:orders', realm: 'orders' });
    });
  });
});
