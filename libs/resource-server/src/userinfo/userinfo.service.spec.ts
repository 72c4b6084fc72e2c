// UserInfoService without a Nest app: the injected runtime is its only clock, and the real local
// issuer below serves the userinfo endpoint (JSON or a signed JWT) and counts the calls.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startLocalIssuer, type LocalIssuer } from '../../../../test/helpers/issuer-server.js';
import { generateTestKey } from '../../../../test/helpers/keys.js';
import { signJwt } from '../../../../test/helpers/tokens.js';
import { AccessTokenVerifier, verifyIssuerJws } from '../core/verifier/access-token-verifier.js';
import { ResourceServerError } from '../errors/resource-server.error.js';
import { resolveConfig } from '../core/config/config.js';
import { buildPrincipal, type VerifiedPrincipal } from '../core/claims/principal.js';
import type { Runtime } from '../core/runtime.js';
import { UserInfoService } from './userinfo.service.js';

// Year 2001: on the wall clock every token below expired long ago, on the injected clock it has 10 min.
const NOW = 1_000_000_000;
const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };

describe('UserInfoService', () => {
  const key = generateTestKey('RS256');
  const stranger = generateTestKey('RS256');
  let issuer: LocalIssuer;
  let calls = 0;
  let answer: (res: ServerResponse) => void;
  const json = (res: ServerResponse) => {
    const body = JSON.stringify({ sub: 'alice', name: 'Alice' });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
  };

  beforeAll(async () => {
    issuer = await startLocalIssuer({ keys: [key] });
    issuer.route('GET', '/userinfo', (_req: IncomingMessage, res: ServerResponse) => {
      calls += 1;
      answer(res);
    });
  });
  afterAll(async () => {
    await issuer.close();
  });

  function setup() {
    const clock = { now: NOW * 1000 };
    const runtime: Runtime = { now: () => clock.now, logger: quiet, httpTimeoutMs: 2000, maxResponseBytes: 100_000 };
    const config = resolveConfig({
      issuer: issuer.issuer,
      audience: 'api',
      userInfo: { endpoint: `${issuer.issuer}/userinfo` },
    });
    const verifier = new AccessTokenVerifier(config, runtime);
    const principal: VerifiedPrincipal = buildPrincipal(
      `opaque-${Math.random()}`,
      { iss: issuer.issuer, sub: 'alice', client_id: 'web', exp: NOW + 600 },
      config.issuers[0]!,
    );
    const service = new UserInfoService(verifier, config, runtime, { client: undefined, owned: false });
    const warnings: string[] = [];
    // The service logs through Nest's Logger; capture its lines instead.
    (service as unknown as { logger: { warn(m: string): void } }).logger = { warn: (m) => warnings.push(m) };
    return { clock, service, principal, verifier, warnings };
  }

  it('caches on the injected clock: one call for two requests, a new one after cacheTtlMs', async () => {
    // Regression: the cache TTL was computed against Date.now(), so with this clock nothing was cached.
    answer = json;
    calls = 0;
    const { clock, service, principal } = setup();
    expect(await service.get(principal)).toEqual({ sub: 'alice', name: 'Alice' });
    expect(await service.get(principal)).toEqual({ sub: 'alice', name: 'Alice' });
    expect(calls).toBe(1);
    clock.now += 300_000; // the default cacheTtlMs
    await service.get(principal);
    expect(calls).toBe(2);
  });

  describe('a signed userinfo response that fails verification names the userinfo response, not the access token', () => {
    const signed = (jwt: () => string) => (res: ServerResponse) => {
      const body = jwt();
      res.writeHead(200, { 'content-type': 'application/jwt', 'content-length': Buffer.byteLength(body) }).end(body);
    };
    const claims = { iss: '', sub: 'alice', aud: 'web' };

    // Regression: the error and the log line said "The access token signature is invalid".
    it.each<[string, () => string, string]>([
      [
        'a signature by another key',
        () => signJwt(stranger, { ...claims, iss: issuer.issuer }, { kid: key.kid }),
        'The userinfo response signature is invalid',
      ],
      [
        'an unknown kid',
        () => signJwt(stranger, { ...claims, iss: issuer.issuer }),
        'The userinfo response was signed with an unknown key',
      ],
      [
        'alg none',
        () =>
          `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"alice"}').toString('base64url')}.c2ln`,
        'The userinfo response algorithm is not allowed',
      ],
    ])('%s', async (_name, jwt, message) => {
      answer = signed(jwt);
      const { service, principal, warnings } = setup();
      const error = await service.get(principal).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ResourceServerError);
      expect({ status: (error as ResourceServerError).status, code: (error as ResourceServerError).code }).toEqual({
        status: 502,
        code: 'userinfo_invalid',
      });
      expect(((error as Error).cause as Error).message).toBe(message);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(message);
      expect(warnings[0]).not.toContain('access token');
    });

    it('a good signed response passes, and verifyIssuerJws keeps the access-token wording by default', async () => {
      answer = signed(() => signJwt(key, { ...claims, iss: issuer.issuer }));
      const { service, principal, verifier } = setup();
      expect(await service.get(principal)).toEqual({ iss: issuer.issuer, sub: 'alice', aud: 'web' });
      const context = verifier.issuer(issuer.issuer)!;
      const forged = signJwt(stranger, { sub: 'x' }, { kid: key.kid });
      await expect(verifyIssuerJws(context, forged)).rejects.toThrow('The access token signature is invalid');
      await expect(verifyIssuerJws(context, forged, 'userinfo response')).rejects.toThrow(
        'The userinfo response signature is invalid',
      );
    });
  });
});
