/**
 * Revocation on one instance (no Redis): RevocationService by jti, sid and sub (cached tokens
 * included), OpenID Connect Back-Channel Logout 1.0 logout tokens and RFC 8935 pushed security events
 * (CAEP session-revoked, RISC account-disabled / credential-change), each verified with its sender's
 * real keys over real HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import {
  backChannelLogoutController,
  RevocationService,
  Scopes,
  securityEventsController,
  type RevocationRequest,
} from 'nestjs-resource-server';
import { expectChallenge } from '../helpers/challenge.js';
import { startLocalIssuer, type LocalIssuer } from '../helpers/issuer-server.js';
import { generateTestKey } from '../helpers/keys.js';
import { ProbeController } from '../helpers/probe.controller.js';
import { closeAll, closeLater, startApp, type RunningApp } from '../helpers/start-app.js';
import { nowSeconds, signJwt } from '../helpers/tokens.js';
import { AUDIENCE, bearer, minter } from './support.js';

const CLIENT_ID = 'web-app';
const RECEIVER = 'https://api.example.test/events';
const LOGOUT_EVENT = { 'http://schemas.openid.net/event/backchannel-logout': {} };
const CAEP = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
const RISC_DISABLED = 'https://schemas.openid.net/secevent/risc/event-type/account-disabled';

@Controller('admin')
class AdminController {
  constructor(private readonly revocations: RevocationService) {}

  @Scopes('admin')
  @Post('revocations')
  @HttpCode(204)
  async revoke(@Body() body: RevocationRequest): Promise<void> {
    await this.revocations.revoke(body);
  }
}

describe('revocation on one instance', () => {
  const key = generateTestKey('ES256');
  const transmitterKey = generateTestKey('RS256');
  let issuer: LocalIssuer;
  let transmitter: LocalIssuer;
  let app: RunningApp;
  let mint: ReturnType<typeof minter>;
  const admin = () => bearer(mint({ scope: 'admin', sub: 'root' }));

  const logoutToken = (claims: Record<string, unknown> = {}, header: Record<string, unknown> = { typ: 'logout+jwt' }) =>
    signJwt(
      key,
      {
        iss: issuer.issuer,
        aud: CLIENT_ID,
        iat: nowSeconds(),
        jti: randomUUID(),
        events: LOGOUT_EVENT,
        sub: 'alice',
        ...claims,
      },
      header,
    );
  const securityEvent = (events: Record<string, unknown>, claims: Record<string, unknown> = {}) =>
    signJwt(
      transmitterKey,
      { iss: transmitter.issuer, aud: RECEIVER, iat: nowSeconds(), jti: randomUUID(), events, ...claims },
      { typ: 'secevent+jwt' },
    );
  const postLogout = (token: string) =>
    app.http.post('/oidc/backchannel-logout').type('form').send({ logout_token: token });
  const postEvent = (set: string) => app.http.post('/events').set('Content-Type', 'application/secevent+jwt').send(set);

  beforeAll(async () => {
    issuer = closeLater(await startLocalIssuer({ keys: [key] }));
    transmitter = closeLater(await startLocalIssuer({ keys: [transmitterKey] }));
    mint = minter(key, issuer.issuer);
    app = await startApp(
      {
        issuer: issuer.issuer,
        audience: AUDIENCE,
        revocation: {
          backChannelLogout: { clientId: CLIENT_ID },
          securityEvents: {
            audience: RECEIVER,
            transmitters: [{ issuer: transmitter.issuer, jwksUri: transmitter.jwksUri }],
          },
        },
      },
      {
        controllers: [
          ProbeController,
          AdminController,
          backChannelLogoutController('oidc/backchannel-logout'),
          securityEventsController('events'),
        ],
      },
    );
  });

  afterAll(closeAll);

  describe('RevocationService', () => {
    it('revokes one token by jti, even while it sits in the verified-token cache', async () => {
      const token = mint({ jti: 'token-1' });
      const other = mint({ jti: 'token-2' });
      expect((await app.get('/me', token)).status).toBe(200); // now cached
      expect((await app.http.post('/admin/revocations').set(admin()).send({ jti: 'token-1' })).status).toBe(204);
      expectChallenge(await app.get('/me', token), { status: 401, error: 'invalid_token' });
      expect((await app.get('/me', token)).headers['www-authenticate']).toContain('revoked');
      expect((await app.get('/me', other)).status).toBe(200);
    });

    it('revokes every token of a session by sid', async () => {
      const token = mint({ sid: 'session-1', sub: 'carol' });
      expect((await app.http.post('/admin/revocations').set(admin()).send({ sid: 'session-1' })).status).toBe(204);
      expectChallenge(await app.get('/me', token), { status: 401, error: 'invalid_token' });
      expect((await app.get('/me', mint({ sid: 'session-2', sub: 'carol' }))).status).toBe(200);
    });

    it('revokes the tokens a subject was issued so far, not those issued after', async () => {
      const before = mint({ sub: 'dave', iat: nowSeconds() - 10 });
      expect((await app.http.post('/admin/revocations').set(admin()).send({ sub: 'dave' })).status).toBe(204);
      expectChallenge(await app.get('/me', before), { status: 401, error: 'invalid_token' });
      expect((await app.get('/me', mint({ sub: 'dave', iat: nowSeconds() + 2 }))).status).toBe(200);
    });

    it('answers a malformed revocation with 400 invalid_request', async () => {
      expectChallenge(await app.http.post('/admin/revocations').set(admin()).send({ sub: 'a', jti: 'b' }), {
        status: 400,
        error: 'invalid_request',
      });
    });
  });

  describe('back-channel logout', () => {
    it("revokes the user's tokens issued up to the logout and answers 200 with no-store", async () => {
      const token = mint({ sub: 'alice', iat: nowSeconds() - 5 });
      expect((await app.get('/me', token)).status).toBe(200);
      const res = await postLogout(logoutToken({ sub: 'alice' }));
      expect({ status: res.status, cache: res.headers['cache-control'] }).toEqual({ status: 200, cache: 'no-store' });
      expectChallenge(await app.get('/me', token), { status: 401, error: 'invalid_token' });
    });

    it('revokes a session named by sid', async () => {
      const token = mint({ sub: 'erin', sid: 'erin-session' });
      expect((await postLogout(logoutToken({ sub: undefined, sid: 'erin-session' }))).status).toBe(200);
      expectChallenge(await app.get('/me', token), { status: 401, error: 'invalid_token' });
    });

    it.each([
      ['a replayed logout token', 'replay'],
      ['a forged signature', 'forged'],
      ['another audience', { aud: 'other-client' }],
      ['an untrusted issuer', { iss: 'https://evil.example' }],
      ['no events claim', { events: undefined }],
      ['an access-token event set', { events: { 'urn:other': {} } }],
      ['a nonce', { nonce: 'n' }],
      ['neither sub nor sid', { sub: undefined }],
      ['no jti', { jti: undefined }],
      ['no iat', { iat: undefined }],
      ['an iat too old', { iat: nowSeconds() - 3600 }],
      ['an access token instead', 'access'],
      ['the wrong typ', 'typ'],
      ['nothing at all', 'empty'],
    ] as const)('refuses %s with 400 invalid_request', async (_, variant) => {
      const replayed = logoutToken({ sub: 'frank' });
      if (variant === 'replay') expect((await postLogout(replayed)).status).toBe(200);
      const token =
        variant === 'replay'
          ? replayed
          : variant === 'forged'
            ? logoutToken().replace(/.{4}$/, 'AAAA')
            : variant === 'access'
              ? mint({ aud: CLIENT_ID })
              : variant === 'typ'
                ? logoutToken({}, { typ: 'at+jwt' })
                : variant === 'empty'
                  ? ''
                  : logoutToken(variant);
      const res = await postLogout(token);
      expect({ status: res.status, error: res.body.error, described: typeof res.body.error_description }).toEqual({
        status: 400,
        error: 'invalid_request',
        described: 'string',
      });
    });
  });

  describe('security events (RFC 8935 push)', () => {
    it("a RISC account-disabled event revokes the account's tokens: 202", async () => {
      const token = mint({ sub: 'grace', iat: nowSeconds() - 5 });
      const res = await postEvent(
        securityEvent({ [RISC_DISABLED]: { subject: { format: 'iss_sub', iss: issuer.issuer, sub: 'grace' } } }),
      );
      expect(res.status).toBe(202);
      expectChallenge(await app.get('/me', token), { status: 401, error: 'invalid_token' });
    });

    it('a CAEP session-revoked event revokes the session (SSF sub_id)', async () => {
      const token = mint({ sub: 'heidi', sid: 'heidi-1' });
      const res = await postEvent(
        securityEvent({ [CAEP]: { event_timestamp: nowSeconds() } }, { sub_id: { format: 'opaque', id: 'heidi-1' } }),
      );
      expect(res.status).toBe(202);
      expectChallenge(await app.get('/me', token), { status: 401, error: 'invalid_token' });
    });

    it('ignores event types it does not act on: 202, nothing revoked', async () => {
      const token = mint({ sub: 'ivan' });
      expect((await postEvent(securityEvent({ 'https://example.com/other': {} }))).status).toBe(202);
      expect((await app.get('/me', token)).status).toBe(200);
    });

    it.each([
      ['signed by an unknown transmitter', 'other-key', 'invalid_issuer'],
      ['for another receiver', { aud: 'https://elsewhere' }, 'invalid_audience'],
      ['with a forged signature', 'forged', 'authentication_failed'],
    ] as const)('refuses an event %s with 400 and the RFC 8935 err code', async (_, variant, err) => {
      const events = { [RISC_DISABLED]: { subject: { format: 'iss_sub', iss: issuer.issuer, sub: 'judy' } } };
      const set =
        variant === 'other-key'
          ? signJwt(
              key,
              { iss: issuer.issuer, aud: RECEIVER, iat: nowSeconds(), jti: randomUUID(), events },
              { typ: 'secevent+jwt' },
            )
          : variant === 'forged'
            ? securityEvent(events).replace(/.{4}$/, 'AAAA')
            : securityEvent(events, variant);
      const res = await postEvent(set);
      expect({ status: res.status, err: res.body.err }).toEqual({ status: 400, err });
      expect((await app.get('/me', mint({ sub: 'judy' }))).status).toBe(200);
    });
  });
});
