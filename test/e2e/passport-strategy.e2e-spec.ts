// The library behind @nestjs/passport: its strategy under AuthGuard(...), route requirements enforced
// whichever guard authenticated the call, and routes whose requirements nothing checked refused.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, Injectable, UnauthorizedException, UseGuards, type CanActivate } from '@nestjs/common';
import { AuthGuard, PassportModule, PassportStrategy } from '@nestjs/passport';
import {
  AnyScope,
  AuthorizationPipeline,
  Principal,
  Public,
  RequireClaims,
  RequirementsGuard,
  Roles,
  Scopes,
  type VerifiedPrincipal,
} from 'nestjs-resource-server';
import { AccessTokenStrategy, ResourceServerJwtStrategy } from 'nestjs-resource-server/passport';
import { expectChallenge } from '../helpers/challenge.js';
import { startLocalIssuer, type LocalIssuer } from '../helpers/issuer-server.js';
import { generateTestKey } from '../helpers/keys.js';
import { closeAll, startApp, type RunningApp } from '../helpers/start-app.js';
import { AUDIENCE, minter } from './support.js';

/** A strategy under another name whose validate maps the principal, refuses, or throws. */
@Injectable()
class PickyStrategy extends PassportStrategy(AccessTokenStrategy, 'picky') {
  constructor(pipeline: AuthorizationPipeline) {
    super(pipeline);
  }
  validate(principal: VerifiedPrincipal) {
    if (principal.subject === 'banned') return null;
    if (principal.subject === 'thrower') throw new UnauthorizedException('custom');
    return { id: principal.subject };
  }
}

/** A guard that lets everything through: stands for any authentication the library did not run. */
class LetEveryoneIn implements CanActivate {
  canActivate() {
    return true;
  }
}

@Controller('jwt')
@Public()
@UseGuards(AuthGuard('jwt'))
class JwtController {
  @Get('principal') principal(@Principal('subject') sub: string) {
    return { sub };
  }
  @Scopes('read:messages') @Get('scoped') scoped() {
    return { ok: true };
  }
  @AnyScope('a', 'b') @Get('any') any() {
    return { ok: true };
  }
  @Roles('admin') @Get('admin') admin() {
    return { ok: true };
  }
  @RequireClaims((p) => p.claims.tenant === 'acme') @Get('acme') acme() {
    return { ok: true };
  }
}

@Controller('guarded')
@Public()
@UseGuards(AuthGuard('jwt'), RequirementsGuard)
class GuardedController {
  @Scopes('read:messages') @Get() scoped() {
    return { ok: true };
  }
}

@Controller('picky')
@Public()
@UseGuards(AuthGuard('picky'))
class PickyController {
  @Get() who(@Principal('subject') sub: string) {
    return { sub };
  }
}

@Controller('foreign')
@Public()
@UseGuards(LetEveryoneIn)
class ForeignController {
  @Scopes('read:messages') @Get('scoped') scoped() {
    return { ok: true };
  }
  @Get('open') open() {
    return { ok: true };
  }
  @Get('principal') principal(@Principal() p: VerifiedPrincipal) {
    return p;
  }
}

describe('the Passport strategy and requirements behind any guard', () => {
  const key = generateTestKey('ES256');
  let issuer: LocalIssuer;
  let running: RunningApp;
  let mint: ReturnType<typeof minter>;

  beforeAll(async () => {
    issuer = await startLocalIssuer({ keys: [key] });
    mint = minter(key, issuer.issuer);
    running = await startApp(
      { issuer: issuer.issuer, audience: AUDIENCE, allowInsecureRequests: true, roleClaims: ['roles'] },
      {
        imports: [PassportModule],
        controllers: [JwtController, GuardedController, PickyController, ForeignController],
        providers: [ResourceServerJwtStrategy, PickyStrategy],
      },
    );
  });
  afterAll(async () => {
    await closeAll();
    await issuer?.close();
  });

  it('attaches the caller: @Principal() works behind AuthGuard("jwt")', async () => {
    await running.get('/jwt/principal', mint({ sub: 'alice' })).expect(200, { sub: 'alice' });
  });

  it.each([
    ['/jwt/scoped', { scope: 'read:messages' }, { scope: 'write:messages' }, 'read:messages'],
    ['/jwt/any', { scope: 'b' }, { scope: 'c' }, 'a b'],
    ['/guarded', { scope: 'read:messages' }, { scope: 'other' }, 'read:messages'],
  ])('enforces the scopes of %s (200, then 403 insufficient_scope)', async (path, good, bad, scope) => {
    await running.get(path, mint(good)).expect(200);
    expectChallenge(await running.get(path, mint(bad)), { status: 403, error: 'insufficient_scope', scope });
  });

  it('enforces @Roles and @RequireClaims behind AuthGuard("jwt")', async () => {
    await running.get('/jwt/admin', mint({ roles: ['admin'] })).expect(200);
    expectChallenge(await running.get('/jwt/admin', mint({ roles: ['user'] })), { status: 403 });
    await running.get('/jwt/acme', mint({ tenant: 'acme' })).expect(200);
    expectChallenge(await running.get('/jwt/acme', mint({ tenant: 'other' })), { status: 403 });
  });

  it('a strategy registered under its own name maps the principal through validate', async () => {
    await running.get('/picky', mint({ sub: 'carol' })).expect(200, { sub: 'carol' });
  });

  it('validate returning nothing refuses the call with 401 invalid_token', async () => {
    expectChallenge(await running.get('/picky', mint({ sub: 'banned' })), { status: 401, error: 'invalid_token' });
  });

  it("validate throwing keeps the strategy's own error", async () => {
    const res = await running.get('/picky', mint({ sub: 'thrower' }));
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ message: 'custom' });
  });

  it('fails closed: a route with requirements that no verified caller reached is refused with 403', async () => {
    expectChallenge(await running.get('/foreign/scoped', mint({ scope: 'read:messages' })), { status: 403 });
    expectChallenge(await running.get('/foreign/scoped'), { status: 403 });
  });

  it('routes without requirements behind a foreign guard run; @Principal() there answers 401', async () => {
    await running.get('/foreign/open').expect(200, { ok: true });
    expectChallenge(await running.get('/foreign/principal', mint()), { status: 401 });
  });
});
