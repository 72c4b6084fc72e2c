/**
 * Provider presets against tokens shaped like each provider's real ones (test/fixtures/providers/,
 * each file citing its documentation), signed with fresh keys and served by local issuers at the
 * provider's issuer path. Per preset: the user and M2M tokens give the normalized principal; ID,
 * refresh and foreign tokens are 401 invalid_token (and the body says why); scope and role routes
 * answer 200/403; the documented overrides work; Entra `{tenantid}` issuers only ever contact the
 * tenants they list.
 */
import { Controller, Get, type Type } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ServerResponse } from 'node:http';
import {
  AnyRole,
  Principal,
  RequireClaims,
  Roles,
  Scopes,
  type ResourceServerModuleOptions,
  type VerifiedPrincipal,
} from 'nestjs-resource-server';
import * as auth0 from '../fixtures/providers/auth0.js';
import * as authing from '../fixtures/providers/authing.js';
import * as cognito from '../fixtures/providers/cognito.js';
import * as entra from '../fixtures/providers/entra.js';
import * as generic from '../fixtures/providers/generic.js';
import * as keycloak from '../fixtures/providers/keycloak.js';
import * as okta from '../fixtures/providers/okta.js';
import * as ory from '../fixtures/providers/ory.js';
import { signShape, type TokenShape } from '../fixtures/providers/token-shape.js';
import { expectChallenge } from '../helpers/challenge.js';
import { startLocalIssuer, type LocalIssuer } from '../helpers/issuer-server.js';
import { generateTestKey, type TestKey } from '../helpers/keys.js';
import { closeAll, startApp, type RunningApp } from '../helpers/start-app.js';

/** What a route of the probe app requires. */
interface ProbeRules {
  readonly scope: string;
  readonly role: string;
}

/**
 * Routes: GET /me (the principal without its token), /scoped (@Scopes), /role (@Roles),
 * /any-role (@AnyRole with 'auditor'), /machines-only (@RequireClaims kind === 'machine').
 */
function probeController(rules: ProbeRules): Type {
  @Controller()
  class ProbeController {
    @Get('me')
    me(@Principal() caller: VerifiedPrincipal) {
      const { token: _token, ...rest } = caller;
      return rest;
    }

    @Scopes(rules.scope)
    @Get('scoped')
    scoped() {
      return { ok: true };
    }

    @Roles(rules.role)
    @Get('role')
    role() {
      return { ok: true };
    }

    @AnyRole(rules.role, 'auditor')
    @Get('any-role')
    anyRole() {
      return { ok: true };
    }

    @RequireClaims((p) => p.kind === 'machine')
    @Get('machines-only')
    machinesOnly() {
      return { ok: true };
    }
  }
  return ProbeController;
}

/** A guarded app with the probe routes for `rules`. */
const startProbe = (options: ResourceServerModuleOptions, rules: ProbeRules): Promise<RunningApp> =>
  startApp(options, { controllers: [probeController(rules)] });

/** The principal fields compared, absent ones as null (JSON drops undefined). */
interface Summary {
  subject: string | null;
  clientId: string | null;
  scopes: string[];
  roles: string[];
  kind: 'user' | 'machine';
  tenant: string | null;
  issuer: string;
  audience: string[];
}

function summarize(body: Record<string, unknown>): Summary {
  return {
    subject: (body.subject as string | undefined) ?? null,
    clientId: (body.clientId as string | undefined) ?? null,
    scopes: body.scopes as string[],
    roles: body.roles as string[],
    kind: body.kind as Summary['kind'],
    tenant: (body.tenant as string | undefined) ?? null,
    issuer: body.issuer as string,
    audience: body.audience as string[],
  };
}

/** A summary with empty defaults: a case names only what its token carries. */
const principal = (s: Partial<Summary> & Pick<Summary, 'issuer' | 'kind'>): Summary => ({
  subject: null,
  clientId: null,
  scopes: [],
  roles: [],
  tenant: null,
  audience: [],
  ...s,
});

/** `error_description` / body `message` of the refusals asserted below (errors/messages.ts). */
const WRONG_KIND = 'The token is not an access token';
const UNTRUSTED_ISSUER = 'The access token issuer is not trusted';
const AUDIENCE_MISMATCH = 'The access token is not intended for this audience';
const ALGORITHM_NOT_ALLOWED = 'The access token algorithm is not allowed';

const API = 'https://api.shop.example';
const ENTRA_TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const T1 = '1b5e8c2a-0d3f-4a61-9e7b-3c2d1f0a9b81';
const T2 = '2c6f9d3b-1e4a-4b72-8f8c-4d3e2a1b0c92';
const T3 = '3d7a0e4c-2f5b-4c83-9a9d-5e4f3b2c1da3';
const AUTH0_ORG = 'org_Vx2ZdE8lG3nQ7fTc';
const AUTHING_APP_SECRET = '1133fd20c14e4cc29b6ecb71fb8eb952';

/** Keys with each provider's kid style, generated per run. */
const keys = {
  generic: generateTestKey('RS256', { kid: generic.KID }),
  auth0: generateTestKey('RS256', { kid: auth0.KID }),
  authing: generateTestKey('RS256', { kid: authing.KID }),
  ory: generateTestKey('RS256', { kid: ory.KID }),
  keycloak: generateTestKey('RS256', { kid: keycloak.KID }),
  okta: generateTestKey('RS256', { kid: okta.KID }),
  entra: generateTestKey('RS256', { kid: entra.KID }),
  cognito: generateTestKey('RS256', { kid: cognito.KID }),
};

/** Signers per provider key. */
const sign = Object.fromEntries(
  Object.entries(keys).map(([name, key]) => [name, (shape: TokenShape) => signShape(key, shape)]),
) as Record<keyof typeof keys, (shape: TokenShape) => string>;

/** Each provider's tenant / realm / app as the fixtures take them; filled once the issuers listen. */
interface Contexts {
  generic: generic.GenericIssuer;
  genericBatch: generic.GenericIssuer;
  auth0: auth0.Auth0Api;
  auth0Batch: auth0.Auth0Api;
  authing: authing.AuthingApp;
  authingKey: string;
  ory: ory.OryProject;
  oryBatch: ory.OryProject;
  keycloak: keycloak.KeycloakRealm;
  okta: okta.OktaServer;
  oktaBatch: okta.OktaServer;
  oktaOrg: string;
  entra: entra.EntraApp;
  entraV1: entra.EntraApp;
  entraT1: entra.EntraApp;
  entraT3: entra.EntraApp;
  entraBase: string;
  cognito: cognito.CognitoPool;
  cognitoBatch: cognito.CognitoPool;
  cognitoOther: cognito.CognitoPool;
}

describe('provider presets with real token shapes', () => {
  const c = {} as Contexts;
  const apps = {} as Record<
    | 'generic'
    | 'auth0'
    | 'auth0Namespaced'
    | 'authing'
    | 'ory'
    | 'oryNoAudience'
    | 'keycloak'
    | 'keycloakClientRoles'
    | 'keycloakAsGeneric'
    | 'keycloakAsGenericUnchecked'
    | 'okta'
    | 'oktaOrg'
    | 'entra'
    | 'entraV1'
    | 'entraMulti'
    | 'cognito'
    | 'twoIssuers',
    RunningApp
  >;
  const issuers: LocalIssuer[] = [];
  let entraMultiIssuer: LocalIssuer;

  async function issuer(key: TestKey, path: string): Promise<LocalIssuer> {
    const started = await startLocalIssuer({ keys: [key], path });
    issuers.push(started);
    return started;
  }

  /** Serves Entra-style discovery and keys for one tenant path on a root-path local issuer. */
  function serveEntraTenant(server: LocalIssuer, tenant: string): void {
    const json = (res: ServerResponse, body: unknown) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    server.route('GET', `/${tenant}/v2.0/.well-known/openid-configuration`, (_req, res) =>
      json(res, {
        issuer: `${server.issuer}/${tenant}/v2.0`,
        jwks_uri: `${server.issuer}/${tenant}/discovery/v2.0/keys`,
      }),
    );
    server.route('GET', `/${tenant}/discovery/v2.0/keys`, (_req, res) => json(res, { keys: [keys.entra.publicJwk] }));
  }

  beforeAll(async () => {
    const [
      genericIdp,
      auth0Tenant,
      authingApp,
      hydra,
      realm,
      oktaServer,
      oktaOrg,
      entraV2,
      entraV1,
      entraMulti,
      cognitoPool,
    ] = await Promise.all([
      issuer(keys.generic, '/idp'),
      issuer(keys.auth0, '/'),
      issuer(keys.authing, '/oidc'),
      issuer(keys.ory, '/'),
      issuer(keys.keycloak, '/realms/shop'),
      issuer(keys.okta, '/oauth2/default'),
      issuer(keys.okta, '/'),
      issuer(keys.entra, `/${ENTRA_TENANT}/v2.0`),
      issuer(keys.entra, `/${ENTRA_TENANT}`),
      issuer(keys.entra, '/'),
      issuer(keys.cognito, '/eu-west-1_AbCdEf123'),
    ]);
    // Auth0's issuer ends with a slash: discovery is fetched from `{issuer without slash}/.well-known/…`
    // and must name the issuer exactly as the tokens do.
    const auth0Issuer = `${auth0Tenant.issuer}/`;
    auth0Tenant.setMetadata({ issuer: auth0Issuer });
    entraMultiIssuer = entraMulti;
    serveEntraTenant(entraMulti, T1);
    serveEntraTenant(entraMulti, T2);
    serveEntraTenant(entraMulti, T3); // published, but not in `tenants`: must never be asked

    const entraApp = {
      tenantId: ENTRA_TENANT,
      apiClientId: '6e74172b-be56-4843-9ff4-e66a39bb12e3',
      appIdUri: 'api://orders',
      clientId: 'a1b2c3d4-0000-4000-8000-00000000c11e',
    };
    Object.assign(c, {
      generic: { issuer: genericIdp.issuer, audience: API, clientId: 'shop-web' },
      genericBatch: { issuer: genericIdp.issuer, audience: API, clientId: 'shop-batch' },
      auth0: { issuer: auth0Issuer, audience: API, clientId: 'x6mS4qC9u2aN7bR1tV3wY5zK8pL0dF2h' },
      auth0Batch: { issuer: auth0Issuer, audience: API, clientId: 'Jk2wM9vQ4nB7cX1zL5hG8fD3sA6pR0tY' },
      authing: { issuer: authingApp.issuer, appId: '601bf35aca5d3875c467482c' },
      authingKey: '60193c610f9117e7cb049159',
      ory: { issuer: hydra.issuer, clientId: 'c4a6e8f0-2b3d-4e5f-8a9b-0c1d2e3f4a5b' },
      oryBatch: { issuer: hydra.issuer, clientId: 'batch-exporter' },
      keycloak: { issuer: realm.issuer, apiClientId: 'orders-api', clientId: 'web-shop' },
      okta: { issuer: oktaServer.issuer, audience: 'api://default', clientId: '0oa8f5j3ecb5w9cqR5d7' },
      oktaBatch: { issuer: oktaServer.issuer, audience: 'api://default', clientId: '0oa9z2x7kq4m1nB3v5d7' },
      oktaOrg: oktaOrg.issuer,
      entra: { ...entraApp, issuer: entraV2.issuer },
      entraV1: { ...entraApp, issuer: `${entraV1.issuer}/` }, // https://sts.windows.net/{tid}/
      entraT1: { ...entraApp, tenantId: T1, issuer: `${entraMulti.issuer}/${T1}/v2.0` },
      entraT3: { ...entraApp, tenantId: T3, issuer: `${entraMulti.issuer}/${T3}/v2.0` },
      entraBase: entraMulti.issuer,
      cognito: { issuer: cognitoPool.issuer, clientId: '4r7kq2m9x1c5v8b3n6z0a2s4d7' },
      cognitoBatch: { issuer: cognitoPool.issuer, clientId: '1h5j8k2l4q7w9e3r6t0y2u5i8o' },
      cognitoOther: { issuer: cognitoPool.issuer, clientId: '9z8x7c6v5b4n3m2l1k0j9h8g7f' },
    } satisfies Contexts);

    const started = await Promise.all([
      startProbe({ issuer: c.generic.issuer, audience: API }, { scope: 'orders:read', role: 'order-admin' }),
      startProbe(
        { issuer: c.auth0.issuer, audience: API, provider: 'auth0' },
        { scope: 'read:orders', role: 'delete:orders' },
      ),
      startProbe(
        {
          issuer: c.auth0.issuer,
          audience: API,
          provider: 'auth0',
          roleClaims: ['permissions', 'https://shop.example.com/roles'],
        },
        { scope: 'read:orders', role: 'admin' },
      ),
      startProbe(
        { issuer: c.authing.issuer, audience: c.authing.appId, provider: 'authing' },
        { scope: 'order:read', role: 'order-admin' },
      ),
      startProbe(
        { issuer: c.ory.issuer, audience: API, provider: 'ory' },
        { scope: 'orders.read', role: 'orders.admin' },
      ),
      startProbe(
        { issuer: c.ory.issuer, audience: false, provider: 'ory', roleClaims: ['ext.roles'] },
        { scope: 'orders.read', role: 'orders.admin' },
      ),
      startProbe(
        { issuer: c.keycloak.issuer, audience: 'orders-api', provider: 'keycloak' },
        { scope: 'orders:read', role: 'order-admin' },
      ),
      startProbe(
        {
          issuer: c.keycloak.issuer,
          audience: 'orders-api',
          provider: 'keycloak',
          roleClaims: ['realm_access.roles', 'resource_access.orders-api.roles'],
        },
        { scope: 'orders:read', role: 'orders.approve' },
      ),
      startProbe(
        { issuer: c.keycloak.issuer, audience: 'orders-api', provider: 'generic' },
        { scope: 'orders:read', role: 'order-admin' },
      ),
      startProbe(
        { issuer: c.keycloak.issuer, audience: 'orders-api', provider: 'generic', checkTokenKind: false },
        { scope: 'orders:read', role: 'order-admin' },
      ),
      startProbe(
        { issuer: c.okta.issuer, audience: 'api://default', provider: 'okta' },
        { scope: 'orders.read', role: 'OrderAdmins' },
      ),
      startProbe(
        { issuer: c.oktaOrg, audience: c.oktaOrg, provider: 'okta' },
        { scope: 'orders.read', role: 'OrderAdmins' },
      ),
      startProbe(
        { issuer: c.entra.issuer, audience: c.entra.apiClientId, provider: 'entra' },
        { scope: 'Orders.Read', role: 'Orders.Admin' },
      ),
      startProbe(
        { issuer: c.entraV1.issuer, jwksUri: entraV1.jwksUri, audience: c.entraV1.appIdUri, provider: 'entra' },
        { scope: 'Orders.Read', role: 'Orders.Read.All' },
      ),
      startProbe(
        {
          issuer: `${c.entraBase}/{tenantid}/v2.0`,
          tenants: [T1, T2],
          audience: c.entra.apiClientId,
          provider: 'entra',
        },
        { scope: 'Orders.Read', role: 'Orders.Admin' },
      ),
      startProbe(
        { issuer: c.cognito.issuer, audience: [c.cognito.clientId, c.cognitoBatch.clientId], provider: 'cognito' },
        { scope: 'orders/read', role: 'admin' },
      ),
      startProbe(
        {
          issuers: [
            { issuer: c.auth0.issuer, audience: API, provider: 'auth0' },
            { issuer: c.keycloak.issuer, audience: 'orders-api', provider: 'keycloak' },
          ],
        },
        { scope: 'read:orders', role: 'delete:orders' },
      ),
    ]);
    const names = [
      'generic',
      'auth0',
      'auth0Namespaced',
      'authing',
      'ory',
      'oryNoAudience',
      'keycloak',
      'keycloakClientRoles',
      'keycloakAsGeneric',
      'keycloakAsGenericUnchecked',
      'okta',
      'oktaOrg',
      'entra',
      'entraV1',
      'entraMulti',
      'cognito',
      'twoIssuers',
    ] as const;
    names.forEach((name, i) => (apps[name] = started[i]!));
  });

  afterAll(async () => {
    await closeAll();
    await Promise.all(issuers.map((i) => i.close()));
  });

  const get = (app: () => RunningApp, path: string, token: string) => app().get(path, token);

  describe('user and M2M access tokens: 200 with the normalized principal', () => {
    // What each provider's fixtures put in the token, as the principal should read it.
    const AUTH0_USER = 'auth0|64b7f0c2e4a1d3b5c6a7e8f9';
    const AUTH0_USER_SCOPES = ['openid', 'profile', 'email', 'read:orders'];
    const AUTH0_BATCH_SCOPES = ['read:orders', 'write:orders'];
    const KC_DEFAULT_ROLES = ['default-roles-shop', 'offline_access', 'uma_authorization'];
    const KC_USER = {
      subject: keycloak.USER_SUB,
      clientId: 'web-shop',
      scopes: ['openid', 'profile', 'email', 'orders:read'],
      roles: [...KC_DEFAULT_ROLES, 'order-admin'],
    };
    const KC_ACCOUNT = {
      subject: 'd952cf23-bf92-4c8f-a3ff-4972b4f2bc5b',
      clientId: 'billing-job',
      scopes: ['profile', 'email'],
      roles: KC_DEFAULT_ROLES,
    };
    const ENTRA_USER = { subject: entra.USER_SUB, scopes: ['Orders.Read', 'Orders.Write'], roles: ['Orders.Admin'] };
    const ENTRA_APP = { subject: entra.SERVICE_PRINCIPAL_OID, roles: ['Orders.Read.All'] };
    // Per app: where its principals come from.
    const at = {
      generic: () => ({ issuer: c.generic.issuer, audience: [API] }),
      auth0: (extra: string[] = []) => ({ issuer: c.auth0.issuer, audience: [API, ...extra] }),
      authing: () => ({ issuer: c.authing.issuer, audience: [c.authing.appId] }),
      ory: () => ({ issuer: c.ory.issuer, audience: [API] }),
      keycloak: (audience: string[]) => ({ issuer: c.keycloak.issuer, audience }),
      okta: () => ({ issuer: c.okta.issuer, audience: ['api://default'] }),
      entra: () => ({
        issuer: c.entra.issuer,
        audience: [c.entra.apiClientId],
        tenant: ENTRA_TENANT,
        clientId: c.entra.clientId,
      }),
      entraV1: () => ({
        issuer: c.entraV1.issuer,
        audience: ['api://orders'],
        tenant: ENTRA_TENANT,
        clientId: c.entra.clientId,
      }),
      cognito: () => ({ issuer: c.cognito.issuer }),
    };
    const user = (s: Partial<Summary>) => principal({ ...s, kind: 'user' } as Summary);
    const machine = (s: Partial<Summary>) => principal({ ...s, kind: 'machine' } as Summary);

    it.each<[label: string, app: () => RunningApp, token: () => string, expected: () => Summary]>([
      [
        'generic user (RFC 9068)',
        () => apps.generic,
        () => sign.generic(generic.userAccessToken(c.generic)),
        () =>
          user({
            ...at.generic(),
            subject: generic.USER_SUB,
            clientId: 'shop-web',
            scopes: ['openid', 'profile', 'orders:read'],
            roles: ['order-admin'],
          }),
      ],
      [
        'generic M2M (sub = client_id)',
        () => apps.generic,
        () => sign.generic(generic.machineAccessToken(c.genericBatch)),
        () => machine({ ...at.generic(), subject: 'shop-batch', clientId: 'shop-batch', scopes: ['orders:read'] }),
      ],
      [
        'auth0 user of an organization (aud array with /userinfo)',
        () => apps.auth0,
        () => sign.auth0(auth0.userAccessToken(c.auth0, { org_id: AUTH0_ORG })),
        () =>
          user({
            ...at.auth0([`${c.auth0.issuer}userinfo`]),
            subject: AUTH0_USER,
            clientId: c.auth0.clientId,
            scopes: AUTH0_USER_SCOPES,
            roles: ['read:orders', 'delete:orders'],
            tenant: AUTH0_ORG,
          }),
      ],
      [
        'auth0 M2M (gty client-credentials, sub …@clients)',
        () => apps.auth0,
        () => sign.auth0(auth0.machineAccessToken(c.auth0Batch)),
        () =>
          machine({
            ...at.auth0(),
            subject: `${c.auth0Batch.clientId}@clients`,
            clientId: c.auth0Batch.clientId,
            scopes: AUTH0_BATCH_SCOPES,
            roles: AUTH0_BATCH_SCOPES,
          }),
      ],
      [
        'auth0 user, RFC 9068 profile (client_id, typ at+jwt)',
        () => apps.auth0,
        () => sign.auth0(auth0.rfc9068UserAccessToken(c.auth0)),
        () =>
          user({
            ...at.auth0([`${c.auth0.issuer}userinfo`]),
            subject: AUTH0_USER,
            clientId: c.auth0.clientId,
            scopes: AUTH0_USER_SCOPES,
            roles: ['read:orders', 'delete:orders'],
          }),
      ],
      [
        'auth0 M2M, RFC 9068 profile (no gty)',
        () => apps.auth0,
        () => sign.auth0(auth0.rfc9068MachineAccessToken(c.auth0Batch)),
        () =>
          machine({
            ...at.auth0(),
            subject: `${c.auth0Batch.clientId}@clients`,
            clientId: c.auth0Batch.clientId,
            scopes: AUTH0_BATCH_SCOPES,
            roles: AUTH0_BATCH_SCOPES,
          }),
      ],
      [
        'authing user (no client id claim: the app id is the aud)',
        () => apps.authing,
        () => sign.authing(authing.userAccessToken(c.authing)),
        () =>
          user({
            ...at.authing(),
            subject: authing.USER_ID,
            scopes: ['openid', 'profile', 'email', 'phone', 'order:read'],
          }),
      ],
      [
        'authing M2M (no sub, azp = access key)',
        () => apps.authing,
        () => sign.authing(authing.machineAccessToken(c.authing, c.authingKey)),
        () => machine({ ...at.authing(), clientId: c.authingKey, scopes: ['order:read', 'order:write'] }),
      ],
      [
        'ory user (scp array, audience requested)',
        () => apps.ory,
        () => sign.ory(ory.userAccessToken(c.ory, [API])),
        () =>
          user({
            ...at.ory(),
            subject: ory.USER_SUB,
            clientId: c.ory.clientId,
            scopes: ['openid', 'offline_access', 'orders.read'],
          }),
      ],
      [
        'ory M2M (sub = client_id)',
        () => apps.ory,
        () => sign.ory(ory.machineAccessToken(c.oryBatch, [API])),
        () =>
          machine({
            ...at.ory(),
            subject: 'batch-exporter',
            clientId: 'batch-exporter',
            scopes: ['orders.read', 'orders.write'],
          }),
      ],
      [
        'keycloak user (realm roles, aud with account)',
        () => apps.keycloak,
        () => sign.keycloak(keycloak.userAccessToken(c.keycloak)),
        () => user({ ...at.keycloak(['orders-api', 'account']), ...KC_USER }),
      ],
      [
        'keycloak user, 24 or older (nonce in the access token)',
        () => apps.keycloak,
        () => sign.keycloak(keycloak.nonceCarryingAccessToken(c.keycloak)),
        () => user({ ...at.keycloak(['orders-api', 'account']), ...KC_USER }),
      ],
      [
        'keycloak service account, 26+ (client_id claim)',
        () => apps.keycloak,
        () => sign.keycloak(keycloak.machineAccessToken(c.keycloak, 'billing-job')),
        () => machine({ ...at.keycloak(['orders-api']), ...KC_ACCOUNT }),
      ],
      [
        'keycloak service account, before 26 (clientId claim)',
        () => apps.keycloak,
        () => sign.keycloak(keycloak.legacyMachineAccessToken(c.keycloak, 'billing-job')),
        () => machine({ ...at.keycloak(['orders-api']), ...KC_ACCOUNT }),
      ],
      [
        'okta user (cid, uid, scp array, groups)',
        () => apps.okta,
        () => sign.okta(okta.userAccessToken(c.okta)),
        () =>
          user({
            ...at.okta(),
            subject: 'jane.doe@example.com',
            clientId: c.okta.clientId,
            scopes: ['openid', 'profile', 'orders.read'],
            roles: ['Everyone', 'OrderAdmins'],
          }),
      ],
      [
        'okta M2M (sub = cid)',
        () => apps.okta,
        () => sign.okta(okta.machineAccessToken(c.oktaBatch)),
        () =>
          machine({
            ...at.okta(),
            subject: c.oktaBatch.clientId,
            clientId: c.oktaBatch.clientId,
            scopes: ['orders.read'],
          }),
      ],
      [
        'entra v2.0 user (scp string, app roles, tid)',
        () => apps.entra,
        () => sign.entra(entra.userAccessToken(c.entra)),
        () => user({ ...at.entra(), ...ENTRA_USER }),
      ],
      [
        'entra v2.0 app-only (idtyp app, roles, no scp)',
        () => apps.entra,
        () => sign.entra(entra.machineAccessToken(c.entra)),
        () => machine({ ...at.entra(), ...ENTRA_APP }),
      ],
      [
        'entra v1.0 user (sts.windows.net shape, trailing slash; appid; App ID URI aud)',
        () => apps.entraV1,
        () => sign.entra(entra.v1UserAccessToken(c.entraV1)),
        () => user({ ...at.entraV1(), subject: entra.USER_SUB, scopes: ['Orders.Read'] }),
      ],
      [
        'entra v1.0 app-only without the idtyp optional claim',
        () => apps.entraV1,
        () => sign.entra(entra.v1MachineAccessToken(c.entraV1)),
        () => machine({ ...at.entraV1(), ...ENTRA_APP }),
      ],
      [
        'cognito user (token_use access, groups, no aud)',
        () => apps.cognito,
        () => sign.cognito(cognito.userAccessToken(c.cognito)),
        () =>
          user({
            ...at.cognito(),
            subject: cognito.USER_SUB,
            clientId: c.cognito.clientId,
            scopes: ['aws.cognito.signin.user.admin', 'openid', 'orders/read'],
            roles: ['admin', 'staff'],
          }),
      ],
      [
        'cognito M2M (sub = client_id, no username)',
        () => apps.cognito,
        () => sign.cognito(cognito.machineAccessToken(c.cognitoBatch)),
        () =>
          machine({
            ...at.cognito(),
            subject: c.cognitoBatch.clientId,
            clientId: c.cognitoBatch.clientId,
            scopes: ['orders/read', 'orders/write'],
          }),
      ],
      [
        'issuers list: an Auth0 token read by the auth0 preset',
        () => apps.twoIssuers,
        () => sign.auth0(auth0.machineAccessToken(c.auth0Batch)),
        () =>
          machine({
            ...at.auth0(),
            subject: `${c.auth0Batch.clientId}@clients`,
            clientId: c.auth0Batch.clientId,
            scopes: AUTH0_BATCH_SCOPES,
            roles: AUTH0_BATCH_SCOPES,
          }),
      ],
      [
        'issuers list: a Keycloak token read by the keycloak preset',
        () => apps.twoIssuers,
        () => sign.keycloak(keycloak.userAccessToken(c.keycloak)),
        () => user({ ...at.keycloak(['orders-api', 'account']), ...KC_USER }),
      ],
    ])('%s', async (_label, app, token, expected) => {
      const res = await get(app, '/me', token());
      expect({ status: res.status }).toEqual({ status: 200 });
      expect(summarize(res.body as Record<string, unknown>)).toEqual(expected());
      expect(res.body).not.toHaveProperty('token');
    });
  });

  describe('ID, refresh and foreign tokens: 401 invalid_token, and why', () => {
    it.each<[label: string, app: () => RunningApp, token: () => string, reason: string]>([
      [
        'generic ID token (nonce, at_hash)',
        () => apps.generic,
        () => sign.generic(generic.idToken(c.generic)),
        WRONG_KIND,
      ],
      ['auth0 ID token (nonce)', () => apps.auth0, () => sign.auth0(auth0.idToken(c.auth0)), WRONG_KIND],
      [
        'authing ID token signed RS256 (nonce, at_hash)',
        () => apps.authing,
        () => sign.authing(authing.idToken(c.authing)),
        WRONG_KIND,
      ],
      [
        'authing ID token signed HS256 with the app secret (the default)',
        () => apps.authing,
        () => authing.hs256IdToken(c.authing, AUTHING_APP_SECRET),
        ALGORITHM_NOT_ALLOWED,
      ],
      ['ory ID token (at_hash, nonce)', () => apps.ory, () => sign.ory(ory.idToken(c.ory)), WRONG_KIND],
      [
        "ory access token with Hydra's default empty aud",
        () => apps.ory,
        () => sign.ory(ory.userAccessToken(c.ory)),
        AUDIENCE_MISMATCH,
      ],
      [
        'keycloak ID token (typ ID)',
        () => apps.keycloak,
        () => sign.keycloak(keycloak.idToken(c.keycloak)),
        WRONG_KIND,
      ],
      [
        'keycloak ID token without nonce (typ ID alone)',
        () => apps.keycloak,
        () => sign.keycloak(keycloak.idToken(c.keycloak, { nonce: undefined, at_hash: undefined })),
        WRONG_KIND,
      ],
      [
        'keycloak refresh token payload (typ Refresh)',
        () => apps.keycloak,
        () => sign.keycloak(keycloak.refreshToken(c.keycloak)),
        WRONG_KIND,
      ],
      [
        'keycloak user token with the default aud (account only)',
        () => apps.keycloak,
        () => sign.keycloak(keycloak.userAccessToken(c.keycloak, { aud: 'account' })),
        AUDIENCE_MISMATCH,
      ],
      ['okta ID token (jti ID., nonce, at_hash)', () => apps.okta, () => sign.okta(okta.idToken(c.okta)), WRONG_KIND],
      [
        'okta ID token without nonce and at_hash (jti ID. alone)',
        () => apps.okta,
        () => sign.okta(okta.idToken(c.okta, { nonce: undefined, at_hash: undefined })),
        WRONG_KIND,
      ],
      [
        'okta org authorization server token (typ application/okta-internal-at+jwt)',
        () => apps.oktaOrg,
        () => sign.okta(okta.orgServerAccessToken(c.oktaOrg, c.okta.clientId)),
        WRONG_KIND,
      ],
      ['entra ID token (nonce)', () => apps.entra, () => sign.entra(entra.idToken(c.entra)), WRONG_KIND],
      [
        'entra v1.0 token at the v2.0 issuer',
        () => apps.entra,
        () => sign.entra(entra.v1UserAccessToken(c.entraV1)),
        UNTRUSTED_ISSUER,
      ],
      [
        'cognito ID token (token_use id)',
        () => apps.cognito,
        () => sign.cognito(cognito.idToken(c.cognito)),
        WRONG_KIND,
      ],
      [
        'cognito access token of another app client (client_id)',
        () => apps.cognito,
        () => sign.cognito(cognito.userAccessToken(c.cognitoOther)),
        AUDIENCE_MISMATCH,
      ],
      [
        'cognito access token that names the API only in aud',
        () => apps.cognito,
        () => sign.cognito(cognito.machineAccessToken(c.cognitoOther, { aud: c.cognito.clientId })),
        AUDIENCE_MISMATCH,
      ],
      [
        'issuers list: a Keycloak ID token still refused by the keycloak preset',
        () => apps.twoIssuers,
        () => sign.keycloak(keycloak.idToken(c.keycloak, { aud: 'orders-api' })),
        WRONG_KIND,
      ],
    ])('%s', async (_label, app, token, reason) => {
      const res = await get(app, '/me', token());
      expectChallenge(res, { status: 401, error: 'invalid_token' });
      expect((res.body as { message: string }).message).toBe(reason);
    });
  });

  describe('scope and role routes', () => {
    it.each<
      [label: string, status: 200 | 403, app: () => RunningApp, path: string, token: () => string, scope: string | null]
    >([
      [
        'generic user: @Scopes(orders:read)',
        200,
        () => apps.generic,
        '/scoped',
        () => sign.generic(generic.userAccessToken(c.generic)),
        null,
      ],
      [
        'generic user without it',
        403,
        () => apps.generic,
        '/scoped',
        () => sign.generic(generic.userAccessToken(c.generic, { scope: 'openid' })),
        'orders:read',
      ],
      [
        'generic user: @Roles(order-admin)',
        200,
        () => apps.generic,
        '/role',
        () => sign.generic(generic.userAccessToken(c.generic)),
        null,
      ],
      [
        'generic M2M: no roles',
        403,
        () => apps.generic,
        '/role',
        () => sign.generic(generic.machineAccessToken(c.genericBatch)),
        null,
      ],
      [
        'auth0 user: @Scopes(read:orders)',
        200,
        () => apps.auth0,
        '/scoped',
        () => sign.auth0(auth0.userAccessToken(c.auth0)),
        null,
      ],
      [
        'auth0 user: @Roles(delete:orders) from permissions',
        200,
        () => apps.auth0,
        '/role',
        () => sign.auth0(auth0.userAccessToken(c.auth0)),
        null,
      ],
      [
        'auth0 M2M: permission not granted',
        403,
        () => apps.auth0,
        '/role',
        () => sign.auth0(auth0.machineAccessToken(c.auth0Batch)),
        null,
      ],
      [
        'auth0 M2M: @RequireClaims(kind machine)',
        200,
        () => apps.auth0,
        '/machines-only',
        () => sign.auth0(auth0.machineAccessToken(c.auth0Batch)),
        null,
      ],
      [
        'auth0 user: @RequireClaims(kind machine)',
        403,
        () => apps.auth0,
        '/machines-only',
        () => sign.auth0(auth0.userAccessToken(c.auth0)),
        null,
      ],
      [
        'authing M2M: @Scopes(order:read)',
        200,
        () => apps.authing,
        '/scoped',
        () => sign.authing(authing.machineAccessToken(c.authing, c.authingKey)),
        null,
      ],
      [
        'authing user: no roles claim by default',
        403,
        () => apps.authing,
        '/role',
        () => sign.authing(authing.userAccessToken(c.authing)),
        null,
      ],
      [
        'ory user: @Scopes(orders.read) from scp',
        200,
        () => apps.ory,
        '/scoped',
        () => sign.ory(ory.userAccessToken(c.ory, [API])),
        null,
      ],
      [
        'ory user: the preset reads no roles',
        403,
        () => apps.ory,
        '/role',
        () => sign.ory(ory.userAccessToken(c.ory, [API])),
        null,
      ],
      [
        'keycloak user: @Scopes(orders:read)',
        200,
        () => apps.keycloak,
        '/scoped',
        () => sign.keycloak(keycloak.userAccessToken(c.keycloak)),
        null,
      ],
      [
        'keycloak M2M: scope not granted',
        403,
        () => apps.keycloak,
        '/scoped',
        () => sign.keycloak(keycloak.machineAccessToken(c.keycloak, 'billing-job')),
        'orders:read',
      ],
      [
        'keycloak user: @Roles(order-admin) realm role',
        200,
        () => apps.keycloak,
        '/role',
        () => sign.keycloak(keycloak.userAccessToken(c.keycloak)),
        null,
      ],
      [
        'keycloak user: @AnyRole(order-admin, auditor)',
        200,
        () => apps.keycloak,
        '/any-role',
        () => sign.keycloak(keycloak.userAccessToken(c.keycloak)),
        null,
      ],
      [
        'keycloak M2M: @AnyRole(order-admin, auditor)',
        403,
        () => apps.keycloak,
        '/any-role',
        () => sign.keycloak(keycloak.machineAccessToken(c.keycloak, 'billing-job')),
        null,
      ],
      [
        'okta user: @Scopes(orders.read)',
        200,
        () => apps.okta,
        '/scoped',
        () => sign.okta(okta.userAccessToken(c.okta)),
        null,
      ],
      [
        'okta user: @Roles(OrderAdmins) from groups',
        200,
        () => apps.okta,
        '/role',
        () => sign.okta(okta.userAccessToken(c.okta)),
        null,
      ],
      [
        'okta M2M: no groups',
        403,
        () => apps.okta,
        '/role',
        () => sign.okta(okta.machineAccessToken(c.oktaBatch)),
        null,
      ],
      [
        'entra user: @Scopes(Orders.Read) from scp',
        200,
        () => apps.entra,
        '/scoped',
        () => sign.entra(entra.userAccessToken(c.entra)),
        null,
      ],
      [
        'entra app-only: no scp, scopes never match',
        403,
        () => apps.entra,
        '/scoped',
        () => sign.entra(entra.machineAccessToken(c.entra)),
        'Orders.Read',
      ],
      [
        'entra user: @Roles(Orders.Admin) app role',
        200,
        () => apps.entra,
        '/role',
        () => sign.entra(entra.userAccessToken(c.entra)),
        null,
      ],
      [
        'entra app-only: @RequireClaims(kind machine)',
        200,
        () => apps.entra,
        '/machines-only',
        () => sign.entra(entra.machineAccessToken(c.entra)),
        null,
      ],
      [
        'entra v1.0 app-only: @Roles(Orders.Read.All)',
        200,
        () => apps.entraV1,
        '/role',
        () => sign.entra(entra.v1MachineAccessToken(c.entraV1)),
        null,
      ],
      [
        'cognito user: @Scopes(orders/read)',
        200,
        () => apps.cognito,
        '/scoped',
        () => sign.cognito(cognito.userAccessToken(c.cognito)),
        null,
      ],
      [
        'cognito user: @Roles(admin) from cognito:groups',
        200,
        () => apps.cognito,
        '/role',
        () => sign.cognito(cognito.userAccessToken(c.cognito)),
        null,
      ],
      [
        'cognito M2M: no groups',
        403,
        () => apps.cognito,
        '/role',
        () => sign.cognito(cognito.machineAccessToken(c.cognitoBatch)),
        null,
      ],
    ])('%s → %i', async (_label, status, app, path, token, scope) => {
      const res = await get(app, path, token());
      if (status === 200) expect([res.status, res.body]).toEqual([200, { ok: true }]);
      else if (scope !== null) expectChallenge(res, { status: 403, error: 'insufficient_scope', scope });
      else expectChallenge(res, { status: 403 });
    });
  });

  describe('overrides', () => {
    it.each<
      [
        label: string,
        status: 200 | 401 | 403,
        app: () => RunningApp,
        path: string,
        token: () => string,
        roles: string[] | null,
      ]
    >([
      [
        'auth0 roleClaims + a namespaced claim: @Roles(admin)',
        200,
        () => apps.auth0Namespaced,
        '/role',
        () => sign.auth0(auth0.userAccessToken(c.auth0)),
        ['read:orders', 'delete:orders', 'admin'],
      ],
      [
        'keycloak roleClaims + resource_access.orders-api.roles: @Roles(orders.approve)',
        200,
        () => apps.keycloakClientRoles,
        '/role',
        () => sign.keycloak(keycloak.userAccessToken(c.keycloak)),
        ['default-roles-shop', 'offline_access', 'uma_authorization', 'order-admin', 'orders.approve'],
      ],
      [
        'keycloak client roles of the service account',
        200,
        () => apps.keycloakClientRoles,
        '/me',
        () => sign.keycloak(keycloak.machineAccessToken(c.keycloak, 'billing-job')),
        ['default-roles-shop', 'offline_access', 'uma_authorization', 'orders.read'],
      ],
      [
        'keycloak client role missing: @Roles(orders.approve)',
        403,
        () => apps.keycloakClientRoles,
        '/role',
        () => sign.keycloak(keycloak.machineAccessToken(c.keycloak, 'billing-job')),
        null,
      ],
      [
        "ory audience false: Hydra's empty aud accepted",
        200,
        () => apps.oryNoAudience,
        '/me',
        () => sign.ory(ory.userAccessToken(c.ory)),
        ['orders.admin'],
      ],
      [
        'ory roleClaims ext.roles: @Roles(orders.admin)',
        200,
        () => apps.oryNoAudience,
        '/role',
        () => sign.ory(ory.userAccessToken(c.ory)),
        null,
      ],
      [
        'keycloak ≤24 token under the generic preset: its nonce reads as an ID token',
        401,
        () => apps.keycloakAsGeneric,
        '/me',
        () => sign.keycloak(keycloak.nonceCarryingAccessToken(c.keycloak)),
        null,
      ],
      [
        '… accepted with checkTokenKind: false',
        200,
        () => apps.keycloakAsGenericUnchecked,
        '/me',
        () => sign.keycloak(keycloak.nonceCarryingAccessToken(c.keycloak)),
        [],
      ],
      [
        '… which then also lets an ID token through (why the keycloak preset is better)',
        200,
        () => apps.keycloakAsGenericUnchecked,
        '/me',
        () => sign.keycloak(keycloak.idToken(c.keycloak, { aud: 'orders-api' })),
        [],
      ],
    ])('%s → %i', async (_label, status, app, path, token, roles) => {
      const res = await get(app, path, token());
      if (status === 401) {
        expectChallenge(res, { status: 401, error: 'invalid_token' });
        expect((res.body as { message: string }).message).toBe(WRONG_KIND);
      } else if (status === 403) {
        expectChallenge(res, { status: 403 });
      } else {
        expect(res.status).toBe(200);
        // `roles`, when given, is what the principal holds (read back through /me).
        const me = path === '/me' ? res : await get(app, '/me', token());
        if (roles !== null) expect((me.body as { roles: string[] }).roles).toEqual(roles);
      }
    });
  });

  describe('Entra multi-tenant: {tenantid} issuer with tenants [T1, T2]', () => {
    const t1Token = (extra: Record<string, unknown> = {}) => sign.entra(entra.userAccessToken(c.entraT1, extra));

    it('accepts a T1 token, discovering T1 only', async () => {
      const res = await get(() => apps.entraMulti, '/me', t1Token());
      expect(res.status).toBe(200);
      // One discovery document and one key set, both T1's (the keys route counts as "other").
      expect(entraMultiIssuer.counts).toEqual({ discovery: 1, jwks: 0, userinfo: 0, introspection: 0, other: 1 });
      expect(summarize(res.body as Record<string, unknown>)).toEqual(
        principal({
          subject: entra.USER_SUB,
          clientId: c.entra.clientId,
          scopes: ['Orders.Read', 'Orders.Write'],
          roles: ['Orders.Admin'],
          kind: 'user',
          tenant: T1,
          issuer: c.entraT1.issuer,
          audience: [c.entra.apiClientId],
        }),
      );
    });

    it.each<[label: string, token: () => string]>([
      ['a T1 issuer whose tid names T2', () => t1Token({ tid: T2 })],
      ['a T1 issuer without tid', () => t1Token({ tid: undefined })],
    ])('refuses %s: 401 untrusted issuer', async (_label, token) => {
      const res = await get(() => apps.entraMulti, '/me', token());
      expectChallenge(res, { status: 401, error: 'invalid_token' });
      expect((res.body as { message: string }).message).toBe(UNTRUSTED_ISSUER);
    });

    it('refuses a T3 token (published by the issuer, not listed) with zero requests to any issuer', async () => {
      entraMultiIssuer.resetCounts();
      const res = await get(() => apps.entraMulti, '/me', sign.entra(entra.userAccessToken(c.entraT3)));
      expectChallenge(res, { status: 401, error: 'invalid_token' });
      expect((res.body as { message: string }).message).toBe(UNTRUSTED_ISSUER);
      expect(entraMultiIssuer.counts).toEqual({ discovery: 0, jwks: 0, userinfo: 0, introspection: 0, other: 0 });
    });
  });

  describe('entra: regressions found while writing these fixtures (docs/providers/entra.md)', () => {
    // Entra tokens name their tenant by GUID in both `iss` and `tid`: a domain-name tenant would match
    // no token, so a configuration with one must not start (it once did, then refused every token).
    it('entra: a tenant given by domain name is refused at startup (tokens name tenants by GUID)', async () => {
      const options: ResourceServerModuleOptions = {
        issuer: `${c.entraBase}/{tenantid}/v2.0`,
        tenants: ['contoso.onmicrosoft.com'],
        audience: c.entra.apiClientId,
        provider: 'entra',
      };
      const started = await startProbe(options, { scope: 'Orders.Read', role: 'Orders.Admin' }).then(
        (app) => ({ app, error: undefined }),
        (error: unknown) => ({ app: undefined, error }),
      );
      const status = started.app
        ? (await get(() => started.app!, '/me', sign.entra(entra.userAccessToken(c.entraT1)))).status
        : undefined;
      await started.app?.close();
      expect({ started: started.app !== undefined, status, error: String(started.error ?? '') }).toEqual({
        started: false,
        status: undefined,
        error: expect.stringContaining('tenants'),
      });
    });

    it("entra: an ID token without nonce for the API's own registration is refused", async () => {
      const token = sign.entra(entra.idToken(c.entra, { aud: c.entra.apiClientId, nonce: undefined }));
      const res = await get(() => apps.entra, '/me', token);
      expect({
        status: res.status,
        kind: (res.body as { kind?: string }).kind,
        message: (res.body as { message?: string }).message,
      }).toEqual({
        status: 401,
        kind: undefined,
        message: WRONG_KIND,
      });
    });
  });
});
