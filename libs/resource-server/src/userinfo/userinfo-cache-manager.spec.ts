// UserInfoService over an application's CACHE_MANAGER that misbehaves: a store that fails to read
// or write never fails the request (the answer is fetched, the trouble logged without the token),
// and an entry naming another subject is never served.
import { afterAll, describe, expect, it } from '@jest/globals';
import { Global, Module, type DynamicModule, type LoggerService } from '@nestjs/common';
import { startLocalIssuer } from '../../../../test/helpers/issuer-server.js';
import { generateTestKey } from '../../../../test/helpers/keys.js';
import { closeAll, closeLater, startApp } from '../../../../test/helpers/start-app.js';
import { mintAccessToken } from '../../../../test/helpers/tokens.js';
import { json, serveUserInfo, UserInfoProbeController } from '../../../../test/helpers/userinfo-app.js';
import type { CacheManagerLike } from '../core/cache/result-store.js';
import { CACHE_MANAGER } from '../resource-server.tokens.js';

const AUDIENCE = 'https://api.example.test';
const PROFILE = { sub: 'test-user', name: 'Ada Lovelace' };

afterAll(closeAll);

/** A CACHE_MANAGER whose reads and writes do what the test says, and are counted. */
class ScriptedCache implements CacheManagerLike {
  reads = 0;
  writes = 0;
  constructor(
    private readonly read: () => Promise<unknown>,
    private readonly write: () => Promise<unknown>,
  ) {}
  get<T>(): Promise<T | undefined> {
    this.reads++;
    return this.read() as Promise<T | undefined>;
  }
  set(): Promise<unknown> {
    this.writes++;
    return this.write();
  }
}

function cacheModule(cache: CacheManagerLike): DynamicModule {
  @Global()
  @Module({})
  class ScriptedCacheModule {}
  return {
    module: ScriptedCacheModule,
    providers: [{ provide: CACHE_MANAGER, useValue: cache }],
    exports: [CACHE_MANAGER],
  };
}

class WarningLog implements LoggerService {
  readonly warnings: string[] = [];
  log(): void {}
  error(): void {}
  warn(message: unknown): void {
    this.warnings.push(String(message));
  }
}

async function start(cache: CacheManagerLike) {
  const key = generateTestKey('ES256');
  const issuer = closeLater(await startLocalIssuer({ keys: [key] }));
  const userinfo = serveUserInfo(issuer);
  userinfo.answer(json(PROFILE));
  const logger = new WarningLog();
  const app = await startApp(
    { issuer: issuer.issuer, audience: AUDIENCE, userInfo: { store: 'cache-manager' } },
    { controllers: [UserInfoProbeController], imports: [cacheModule(cache)], logger },
  );
  const token = mintAccessToken(key, { iss: issuer.issuer, aud: AUDIENCE });
  return { app, userinfo, logger, token };
}

describe("UserInfoService with store: 'cache-manager'", () => {
  it('a store that cannot be read or written: every request is answered from the endpoint, the failures logged', async () => {
    const cache = new ScriptedCache(
      () => Promise.reject(new Error('redis read timeout')),
      () => Promise.reject(new Error('redis write timeout')),
    );
    const { app, userinfo, logger, token } = await start(cache);

    for (let i = 0; i < 2; i++) {
      const res = await app.get('/service', token);
      expect({ status: res.status, body: res.body as unknown }).toEqual({ status: 200, body: { info: PROFILE } });
    }
    expect(userinfo.calls).toHaveLength(2);
    expect([cache.reads, cache.writes]).toEqual([2, 2]);
    expect(logger.warnings).toEqual([
      'userinfo cache read failed, fetching instead: Error: redis read timeout',
      'userinfo cache write failed: Error: redis write timeout',
      'userinfo cache read failed, fetching instead: Error: redis read timeout',
      'userinfo cache write failed: Error: redis write timeout',
    ]);
    expect(logger.warnings.join('\n')).not.toContain(token);
  });

  it('an entry for another subject under the token key is not served: the endpoint is asked', async () => {
    const cache = new ScriptedCache(
      () => Promise.resolve({ sub: 'someone-else', name: 'Mallory' }),
      () => Promise.resolve(true),
    );
    const { app, userinfo, logger, token } = await start(cache);

    const res = await app.get('/service', token);
    expect({ status: res.status, body: res.body as unknown }).toEqual({ status: 200, body: { info: PROFILE } });
    expect(userinfo.calls).toHaveLength(1);
    expect([cache.reads, cache.writes]).toEqual([1, 1]);
    expect(logger.warnings).toEqual([]);
  });
});
