// For teams that keep passport-jwt: its own JwtStrategy with the library's `passportJwtSecret` and
// `jsonWebTokenOptions`, in a real Nest app with @nestjs/passport, over real HTTP and real keys.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { KeyObject } from 'node:crypto';
import { Controller, Get, Injectable, Req, UseGuards, type INestApplication } from '@nestjs/common';
import { AuthGuard, PassportModule, PassportStrategy } from '@nestjs/passport';
import { Test } from '@nestjs/testing';
import { ExtractJwt, Strategy } from 'passport-jwt';
import request from 'supertest';
import type { ResourceServerModuleOptions } from 'nestjs-resource-server';
import { jsonWebTokenOptions, passportJwtSecret } from 'nestjs-resource-server/passport';
import { startLocalIssuer, type LocalIssuer } from '../helpers/issuer-server.js';
import { generateTestKey } from '../helpers/keys.js';
import { nowSeconds } from '../helpers/tokens.js';
import { AUDIENCE, minter } from './support.js';

function jwtStrategy(options: ResourceServerModuleOptions) {
  @Injectable()
  class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
    constructor() {
      super({
        jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
        secretOrKeyProvider: passportJwtSecret(options),
        ...jsonWebTokenOptions(options),
      });
    }
    validate(payload: { sub: string }) {
      return { sub: payload.sub };
    }
  }
  return JwtStrategy;
}

@Controller()
@UseGuards(AuthGuard('jwt'))
class UserController {
  @Get('user')
  user(@Req() req: { user: unknown }) {
    return req.user;
  }
}

describe('passportJwtSecret + jsonWebTokenOptions under passport-jwt', () => {
  const key = generateTestKey('RS256', { kid: 'k1' });
  let issuer: LocalIssuer;
  let app: INestApplication;
  let mint: ReturnType<typeof minter>;
  let options: ResourceServerModuleOptions;
  const get = (token?: string) => {
    const req = request(app.getHttpServer()).get('/user');
    return token === undefined ? req : req.set('Authorization', `Bearer ${token}`);
  };

  beforeAll(async () => {
    issuer = await startLocalIssuer({ keys: [key] });
    mint = minter(key, issuer.issuer);
    options = {
      issuer: issuer.issuer,
      audience: AUDIENCE,
      allowInsecureRequests: true,
      keySet: { refetchCooldownMs: 1 },
    };
    const moduleRef = await Test.createTestingModule({
      imports: [PassportModule],
      controllers: [UserController],
      providers: [jwtStrategy(options)],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  });
  afterAll(async () => {
    await app?.close();
    await issuer?.close();
  });

  it('admits a valid token', async () => {
    await get(mint({ sub: 'alice' })).expect(200, { sub: 'alice' });
  });

  it.each([
    ['no exp (jsonwebtoken alone accepts it)', () => mint({ exp: undefined })],
    ['an expired token', () => mint({ exp: nowSeconds() - 600, iat: nowSeconds() - 900 })],
    ['another audience', () => mint({ aud: 'https://other.example' })],
    ['an untrusted issuer', () => minter(key, 'https://evil.example')()],
    ['an unknown critical header', () => mint({}, { crit: ['exp'] })],
    ['no token', () => undefined],
  ])('refuses %s with 401', async (_name, token) => {
    await get(token()).expect(401);
  });

  it('hands passport-jwt a KeyObject from the key store, fetching the key set once for concurrent calls', async () => {
    const provider = passportJwtSecret({ ...options, keySet: { refetchCooldownMs: 60_000 } });
    issuer.resetCounts();
    const keys = await Promise.all(
      Array.from(
        { length: 10 },
        () =>
          new Promise<unknown>((resolve, reject) =>
            provider({}, mint(), (error, k) => (error ? reject(error) : resolve(k))),
          ),
      ),
    );
    expect(keys.every((k) => k instanceof KeyObject && k.type === 'public')).toBe(true);
    expect(issuer.counts.jwks).toBe(1);
  });

  it('picks up a rotated key (unknown kid refetches)', async () => {
    const next = generateTestKey('ES256', { kid: 'k2' });
    issuer.setKeys([key, next]);
    await get(minter(next, issuer.issuer)({ sub: 'bob' })).expect(200, { sub: 'bob' });
  });

  it('refuses a non-string token without a request to the issuer', async () => {
    const provider = passportJwtSecret(options);
    const error = await new Promise((resolve) => provider({}, undefined, (e) => resolve(e)));
    expect(error).toMatchObject({ code: 'malformed_token' });
  });

  it('maps the options to passport-jwt: issuer, audience, algorithms, exp enforced', () => {
    expect(jsonWebTokenOptions(options)).toEqual({
      issuer: [issuer.issuer],
      audience: [AUDIENCE],
      algorithms: expect.arrayContaining(['RS256', 'ES256']),
      ignoreExpiration: false,
      jsonWebTokenOptions: { clockTolerance: 5 },
    });
    expect(jsonWebTokenOptions({ ...options, algorithms: ['EdDSA', 'ES256'] }).algorithms).toEqual(['ES256']);
    expect(jsonWebTokenOptions({ ...options, audienceClaim: 'client_id' })).not.toHaveProperty('audience');
  });

  it('throws at startup for invalid options', () => {
    expect(() => passportJwtSecret({ audience: AUDIENCE })).toThrow(/issuer/);
  });
});
