/**
 * `@Roles` (all of), `@AnyRole` (any of) and `@RequireClaims` (a predicate) over verified callers:
 * roles come from the configured claim paths; every refusal is 403 `forbidden` with a bare
 * `WWW-Authenticate: Bearer realm="..."` (RFC 6750 §3.1 has no code for it: `insufficient_scope`
 * stays for scopes), never 401 and never 500. Decorator misuse throws where it is written.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, type Type } from '@nestjs/common';
import {
  AnyRole,
  AnyScope,
  Principal,
  RequireClaims,
  Roles,
  Scopes,
  type ResourceServerModuleOptions,
  type VerifiedPrincipal,
} from 'nestjs-resource-server';
import { expectChallenge, type ChallengeResponse } from '../helpers/challenge.js';
import { startLocalIssuer, type LocalIssuer } from '../helpers/issuer-server.js';
import { generateTestKey } from '../helpers/keys.js';
import { closeAll, startApp, type RunningApp } from '../helpers/start-app.js';
import { mintAccessToken } from '../helpers/tokens.js';

const AUDIENCE = 'https://api.example.test';
const ROLE_MESSAGE = 'The access token lacks the role this resource requires';
const CLAIMS_MESSAGE = 'The access token does not meet the requirements of this resource';

@Controller('roles')
class RolesController {
  @Get('me')
  me(@Principal() p: VerifiedPrincipal) {
    return { roles: p.roles };
  }

  @Roles('admin')
  @Get('admin')
  admin() {
    return { ok: true };
  }

  @Roles('admin', 'editor')
  @Get('admin-and-editor')
  adminAndEditor() {
    return { ok: true };
  }

  @AnyRole('admin', 'support')
  @Get('admin-or-support')
  adminOrSupport() {
    return { ok: true };
  }

  @Scopes('orders:read')
  @Roles('clerk')
  @Get('orders')
  orders() {
    return { ok: true };
  }
}

@Roles('staff')
@AnyRole('eu', 'us')
@Controller('staff')
class StaffController {
  @Get('plain')
  plain() {
    return { ok: true };
  }

  @Roles('admin')
  @Get('admin')
  admin() {
    return { ok: true };
  }

  @AnyRole('reader', 'writer')
  @Get('any')
  any() {
    return { ok: true };
  }
}

@Controller('predicate')
class PredicateController {
  @RequireClaims((p) => p.subject === 'alice')
  @Get('alice')
  alice() {
    return { ok: true };
  }

  @RequireClaims((p) => (p.claims.profile as { name: string }).name.length > 0)
  @Get('throws')
  throws() {
    return { ok: true };
  }

  @RequireClaims(() => 'yes' as unknown as boolean)
  @Get('truthy')
  truthy() {
    return { ok: true };
  }

  @RequireClaims((() => Promise.resolve(true)) as unknown as () => boolean)
  @Get('async')
  async() {
    return { ok: true };
  }
}

@RequireClaims((p) => p.tenant === 'acme')
@Controller('tenant')
class TenantController {
  @Get('any')
  any() {
    return { ok: true };
  }

  @RequireClaims((p) => p.claims.email_verified === true)
  @Get('verified')
  verified() {
    return { ok: true };
  }
}

/** The DPoP proof algorithms every challenge lists by default (RFC 9449 §7.1: DPoP is allowed by default). */
const DPOP_ALGS = 'RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519';

/** The exact answer to a role or claim refusal: 403, bare challenges (Bearer and DPoP), fixed body. */
function expectForbidden(res: ChallengeResponse, message = ROLE_MESSAGE, realm = 'api'): void {
  expectChallenge(res, { status: 403, realm });
  expect({ challenge: res.headers['www-authenticate'], body: res.body }).toEqual({
    challenge: `Bearer realm="${realm}", DPoP realm="${realm}", algs="${DPOP_ALGS}"`,
    body: { statusCode: 403, error: 'forbidden', message },
  });
}

describe('roles and claim requirements', () => {
  const key = generateTestKey('ES256');
  let issuer: LocalIssuer;
  let app: RunningApp;
  const mint = (claims: Record<string, unknown> = {}) =>
    mintAccessToken(key, { iss: issuer.issuer, aud: AUDIENCE, ...claims });
  const controllers = [RolesController, StaffController, PredicateController, TenantController];

  const open = (options: Partial<ResourceServerModuleOptions>, list: Type[] = controllers): Promise<RunningApp> =>
    startApp({ issuer: issuer.issuer, audience: AUDIENCE, ...options }, { controllers: list });

  beforeAll(async () => {
    issuer = await startLocalIssuer({ keys: [key] });
    app = await open({
      roleClaims: ['roles', 'realm_access.roles', 'https://example.com/roles', 'resource_access.my-api.roles'],
    });
  });

  afterAll(async () => {
    await closeAll();
    await issuer?.close();
  });

  describe('@Roles: every listed role', () => {
    it('lets a caller with all of them through', async () => {
      expect((await app.get('/roles/admin-and-editor', mint({ roles: ['editor', 'admin', 'other'] }))).status).toBe(
        200,
      );
    });

    it.each([
      ['only one of two', { roles: ['admin'] }],
      ['none', { roles: [] }],
      ['no role claim at all', {}],
      ['a role differing in case', { roles: ['Admin', 'editor'] }],
      ['a role that only starts like it', { roles: ['administrator', 'editor'] }],
    ])('refuses a caller with %s: 403 forbidden', async (_name, claims) => {
      expectForbidden(await app.get('/roles/admin-and-editor', mint(claims)));
    });

    it('the refusal is the exact answer: status, bare challenge, body (no required roles leaked)', async () => {
      const res = await app.get('/roles/admin', mint({ roles: ['user'] }));
      expect({
        status: res.status,
        challenge: res.headers['www-authenticate'],
        type: res.headers['content-type'],
        body: res.body,
      }).toEqual({
        status: 403,
        challenge: `Bearer realm="api", DPoP realm="api", algs="${DPOP_ALGS}"`,
        type: expect.stringMatching(/^application\/json/),
        body: { statusCode: 403, error: 'forbidden', message: ROLE_MESSAGE },
      });
    });

    it('the bare challenge carries the configured realm', async () => {
      const orders = await open({ realm: 'orders' }, [RolesController]);
      expectForbidden(await orders.get('/roles/admin', mint({ roles: ['user'] })), ROLE_MESSAGE, 'orders');
    });
  });

  describe('@AnyRole: at least one listed role', () => {
    it.each([
      ['the first', ['admin']],
      ['the second', ['support']],
      ['both', ['support', 'admin']],
    ])('lets a caller with %s through', async (_name, roles) => {
      expect((await app.get('/roles/admin-or-support', mint({ roles }))).status).toBe(200);
    });

    it('refuses a caller with neither: 403 forbidden', async () => {
      expectForbidden(await app.get('/roles/admin-or-support', mint({ roles: ['editor'] })));
    });
  });

  describe('class and handler requirements both apply', () => {
    it.each([
      ['/staff/plain', ['staff', 'eu'], 200],
      ['/staff/plain', ['staff'], 403],
      ['/staff/plain', ['eu', 'us'], 403],
      ['/staff/admin', ['staff', 'us', 'admin'], 200],
      ['/staff/admin', ['staff', 'us'], 403],
      ['/staff/admin', ['admin', 'us'], 403],
      ['/staff/admin', ['staff', 'admin'], 403],
      ['/staff/any', ['staff', 'eu', 'writer'], 200],
      ['/staff/any', ['staff', 'eu'], 403],
      ['/staff/any', ['staff', 'writer'], 403],
    ])('%s with roles %j answers %i', async (path, roles, status) => {
      const res = await app.get(path, mint({ roles }));
      if (status === 200) expect(res.status).toBe(200);
      else expectForbidden(res);
    });

    it.each([
      ['/tenant/any', { tid: 'acme' }, 200],
      ['/tenant/any', { tid: 'other' }, 403],
      ['/tenant/verified', { tid: 'acme', email_verified: true }, 200],
      ['/tenant/verified', { tid: 'acme', email_verified: 'true' }, 403],
      ['/tenant/verified', { tid: 'other', email_verified: true }, 403],
    ])('@RequireClaims on class and handler: %s with %j answers %i', async (path, claims, status) => {
      const res = await app.get(path, mint(claims));
      if (status === 200) expect(res.status).toBe(200);
      else expectForbidden(res, CLAIMS_MESSAGE);
    });
  });

  describe('where roles are read from', () => {
    it.each([
      ['a top-level claim (array)', { roles: ['admin'] }],
      ['a space-delimited string', { roles: 'user admin' }],
      ['a space-delimited string with extra spaces', { roles: '  admin  ' }],
      ['a nested path', { realm_access: { roles: ['admin'] } }],
      ['a nested path as a string', { realm_access: { roles: 'admin' } }],
      ['a deeper path with a hyphen', { resource_access: { 'my-api': { roles: ['admin'] } } }],
      ['a namespaced claim whose name has dots', { 'https://example.com/roles': ['admin'] }],
    ])('grants a role found in %s', async (_name, claims) => {
      expect((await app.get('/roles/admin', mint(claims))).status).toBe(200);
    });

    it('unions the roles of every configured path', async () => {
      const token = mint({ roles: 'admin', realm_access: { roles: ['editor'] } });
      expect((await app.get('/roles/admin-and-editor', token)).status).toBe(200);
      expect((await app.get('/roles/me', token)).body.roles).toEqual(expect.arrayContaining(['admin', 'editor']));
    });

    it('an exact top-level name with dots wins over the nested path of the same spelling', async () => {
      const token = mint({ 'realm_access.roles': ['flat'], realm_access: { roles: ['admin'] } });
      expect((await app.get('/roles/me', token)).body).toEqual({ roles: ['flat'] });
      expectForbidden(await app.get('/roles/admin', token));
    });

    it('a path not configured is not read (default roleClaims: roles only)', async () => {
      const plain = await open({}, [RolesController]);
      expectForbidden(await plain.get('/roles/admin', mint({ realm_access: { roles: ['admin'] }, groups: ['admin'] })));
      expect((await plain.get('/roles/admin', mint({ roles: ['admin'] }))).status).toBe(200);
    });

    it('explicit path segments reach a claim whose name has dots (a Keycloak client id such as orders.api)', async () => {
      const dotted = await open({ roleClaims: [['resource_access', 'orders.api', 'roles']] }, [RolesController]);
      const token = mint({ resource_access: { 'orders.api': { roles: ['admin'] } } });
      expect((await dotted.get('/roles/me', token)).body).toEqual({ roles: ['admin'] });
      expect((await dotted.get('/roles/admin', token)).status).toBe(200);
      // The same path as a dotted string splits at every dot and finds nothing.
      const split = await open({ roleClaims: ['resource_access.orders.api.roles'] }, [RolesController]);
      expectForbidden(await split.get('/roles/admin', token));
    });

    it('a role name with inner spaces (an Okta group such as "Order Admins") is matched from an array claim', async () => {
      @Controller('groups')
      class GroupsController {
        @Roles('Order Admins')
        @Get()
        get() {
          return { ok: true };
        }
      }
      const groups = await open({ roleClaims: ['groups'] }, [GroupsController]);
      expect((await groups.get('/groups', mint({ groups: ['Order Admins', 'Everyone'] }))).status).toBe(200);
      expectForbidden(await groups.get('/groups', mint({ groups: ['Order', 'Admins'] })));
    });

    it('a provider preset brings its own path (keycloak: realm_access.roles)', async () => {
      const keycloak = await open({ provider: 'keycloak' }, [RolesController]);
      expect((await keycloak.get('/roles/admin', mint({ realm_access: { roles: ['admin'] } }))).status).toBe(200);
    });
  });

  describe('malformed role claims are ignored: 403, never 401, never 500', () => {
    it.each([
      ['a number', { roles: 42 }],
      ['an object', { roles: { admin: true } }],
      ['a boolean', { roles: true }],
      ['null', { roles: null }],
      ['an array of arrays', { roles: [['admin']] }],
      ['an array of objects', { roles: [{ name: 'admin' }] }],
      ['a string where the path expects an object', { realm_access: 'admin' }],
      ['null where the path expects an object', { realm_access: null }],
      ['an object at the end of the path', { realm_access: { roles: { admin: 'admin' } } }],
    ])('role claim that is %s', async (_name, claims) => {
      const token = mint(claims);
      expectForbidden(await app.get('/roles/admin', token));
      const me = await app.get('/roles/me', token);
      expect({ status: me.status, body: me.body }).toEqual({ status: 200, body: { roles: [] } });
    });
  });

  describe('@RequireClaims', () => {
    it('lets the caller through when the predicate holds', async () => {
      expect((await app.get('/predicate/alice', mint({ sub: 'alice' }))).status).toBe(200);
    });

    it.each([
      ['returns false', '/predicate/alice', { sub: 'bob' }],
      ['throws (a missing nested claim)', '/predicate/throws', {}],
      ['returns a truthy non-boolean', '/predicate/truthy', {}],
      ['returns a promise (not awaited: fails closed)', '/predicate/async', {}],
    ])('refuses with 403 when the predicate %s', async (_name, path, claims) => {
      expectForbidden(await app.get(path, mint(claims)), CLAIMS_MESSAGE);
    });

    it('a predicate that would not throw passes on the same route', async () => {
      expect((await app.get('/predicate/throws', mint({ profile: { name: 'Ada' } }))).status).toBe(200);
    });
  });

  describe('scopes and roles on one route', () => {
    it.each([['scope and role', { scope: 'orders:read', roles: ['clerk'] }]])(
      '%s present: 200',
      async (_name, claims) => {
        expect((await app.get('/roles/orders', mint(claims))).status).toBe(200);
      },
    );

    it('a missing scope is 403 insufficient_scope naming the scope', async () => {
      expectChallenge(await app.get('/roles/orders', mint({ scope: 'read', roles: ['clerk'] })), {
        status: 403,
        error: 'insufficient_scope',
        scope: 'orders:read',
      });
    });

    it('a missing role is 403 forbidden with a bare challenge', async () => {
      expectForbidden(await app.get('/roles/orders', mint({ scope: 'orders:read', roles: ['user'] })));
    });

    it('both missing: the scope answer, which tells the client what to ask for', async () => {
      const res = await app.get('/roles/orders', mint({ scope: 'read', roles: [] }));
      expectChallenge(res, { status: 403, error: 'insufficient_scope', scope: 'orders:read' });
      expect(res.body.error).toBe('insufficient_scope');
    });
  });

  describe('the token is checked before any role: 401 stays 401', () => {
    it('no token on a role route: 401 with a bare challenge', async () => {
      const res = await app.get('/roles/admin');
      expectChallenge(res, { status: 401 });
    });

    it('a token of another audience with the right role: 401 invalid_token', async () => {
      expectChallenge(await app.get('/roles/admin', mint({ aud: 'https://other.example.test', roles: ['admin'] })), {
        status: 401,
        error: 'invalid_token',
      });
    });
  });

  describe('stacking the same decorator twice on one handler', () => {
    // Nest metadata set twice on a target keeps only the last write: a requirement must not vanish
    // silently (fail open). Requirements accumulate: both apply.
    async function stacked(define: () => Type): Promise<{ thrown: unknown; app?: RunningApp }> {
      let controller: Type;
      try {
        controller = define();
      } catch (thrown) {
        return { thrown };
      }
      return { thrown: undefined, app: await open({}, [controller]) };
    }

    it('@RequireClaims twice: both predicates apply', async () => {
      const { thrown, app: s } = await stacked(() => {
        @Controller('stacked')
        class Stacked {
          @RequireClaims((p) => p.subject === 'alice')
          @RequireClaims((p) => p.claims.email_verified === true)
          @Get()
          get() {
            return { ok: true };
          }
        }
        return Stacked;
      });
      expect(thrown).toBeUndefined();
      expect((await s!.get('/stacked', mint({ sub: 'alice', email_verified: true }))).status).toBe(200);
      expectForbidden(await s!.get('/stacked', mint({ sub: 'alice' })), CLAIMS_MESSAGE);
      expectForbidden(await s!.get('/stacked', mint({ sub: 'bob', email_verified: true })), CLAIMS_MESSAGE);
    });

    it('@Roles twice: all roles of both apply', async () => {
      const { thrown, app: s } = await stacked(() => {
        @Controller('stacked')
        class Stacked {
          @Roles('admin')
          @Roles('auditor')
          @Get()
          get() {
            return { ok: true };
          }
        }
        return Stacked;
      });
      expect(thrown).toBeUndefined();
      expect((await s!.get('/stacked', mint({ roles: ['admin', 'auditor'] }))).status).toBe(200);
      expectForbidden(await s!.get('/stacked', mint({ roles: ['admin'] })));
      expectForbidden(await s!.get('/stacked', mint({ roles: ['auditor'] })));
    });

    it('@Scopes twice: every scope of both apply; @AnyScope twice: one of each group', async () => {
      const { thrown, app: s } = await stacked(() => {
        @Controller('stacked')
        class Stacked {
          @Scopes('orders:read')
          @Scopes('orders:write')
          @AnyScope('eu', 'us')
          @AnyScope('reader', 'writer')
          @Get()
          get() {
            return { ok: true };
          }
        }
        return Stacked;
      });
      expect(thrown).toBeUndefined();
      expect((await s!.get('/stacked', mint({ scope: 'orders:read orders:write eu writer' }))).status).toBe(200);
      for (const scope of [
        'orders:read eu writer',
        'orders:write eu writer',
        'orders:read orders:write eu',
        'orders:read orders:write writer',
      ]) {
        const res = await s!.get('/stacked', mint({ scope }));
        expect({ scope, status: res.status, error: res.body.error }).toEqual({
          scope,
          status: 403,
          error: 'insufficient_scope',
        });
      }
    });

    it('@AnyRole twice: one role of each group is needed', async () => {
      const { thrown, app: s } = await stacked(() => {
        @Controller('stacked')
        class Stacked {
          @AnyRole('eu', 'us')
          @AnyRole('reader', 'writer')
          @Get()
          get() {
            return { ok: true };
          }
        }
        return Stacked;
      });
      expect(thrown).toBeUndefined();
      expect((await s!.get('/stacked', mint({ roles: ['eu', 'writer'] }))).status).toBe(200);
      expectForbidden(await s!.get('/stacked', mint({ roles: ['eu'] })));
      expectForbidden(await s!.get('/stacked', mint({ roles: ['writer'] })));
    });
  });

  describe('decorator misuse fails where it is written', () => {
    it.each<[string, () => unknown, string]>([
      ['@Roles() without roles', () => Roles(), '@Roles() needs at least one role'],
      ['@AnyRole() without roles', () => AnyRole(), '@AnyRole() needs at least one role'],
      [
        '@Roles with a padded role (a typo)',
        () => Roles('admin', ' team lead'),
        '@Roles(): " team lead" is not a valid role',
      ],
      ['@AnyRole with a blank role', () => AnyRole('\t'), '@AnyRole(): "\\t" is not a valid role'],
      ['@Roles with an empty role', () => Roles(''), '@Roles(): "" is not a valid role'],
      ['@Roles with a non-string role', () => Roles(42 as unknown as string), '@Roles(): 42 is not a valid role'],
      [
        '@RequireClaims with a string',
        () => RequireClaims('x' as never),
        '@RequireClaims() needs a function (principal) => boolean',
      ],
      [
        '@RequireClaims without argument',
        () => (RequireClaims as (r?: unknown) => unknown)(),
        '@RequireClaims() needs a function',
      ],
    ])('%s throws', (_name, misuse, message) => {
      expect(misuse).toThrow(message);
    });

    it('throws at class definition time, before any app boots', () => {
      expect(() => {
        @Controller('broken')
        class Broken {
          @Roles()
          @Get()
          get() {
            return {};
          }
        }
        return Broken;
      }).toThrow('@Roles() needs at least one role');
      expect(() => {
        @RequireClaims('x' as never)
        @Controller('broken')
        class Broken {}
        return Broken;
      }).toThrow('@RequireClaims() needs a function');
    });
  });
});
