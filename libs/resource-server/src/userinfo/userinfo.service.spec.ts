// UserInfoService without a Nest app: the injected runtime is its only clock, and the real local
// issuer below serves the userinfo endpoint (JSON or a signed JWT) and counts the calls.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startLocalIssuer, type LocalIssuer } from '../../../../test/helpers/issuer-server.js';
import { generateTestKey } from '../../../../test/helpers/keys.js';
import { signJwt } from '../../../../test/helpers/tokens.js';
import { AccessTokenVerifier } from '../core/verifier/access-token-verifier.js';
import { resolveConfig } from '../core/config/config.js';
import { buildPrincipal, type Principal } from '../core/claims/principal.js';
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
    const config = resolveConfig({ issuer: issuer.issuer, audience: 'api', userInfo: { endpoint: `${issuer.issuer}/userinfo` } });
    const verifier = new AccessTokenVerifier(config, runtime);
    const principal: Principal = buildPrincipal(
      `opaque-${Math.random()}`,
      { iss: issuer.issuer, sub: 'alice', client_id: 'web', exp: NOW + 600 },
      config.issuers[0]!,
    );
    return { clock, service: new UserInfoService(verifier, config), principal };
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
});
