import { describe, expect, it } from '@jest/globals';
import { testRuntime } from '../../../../../test/helpers/test-runtime.js';
import { InvalidRequestError } from '../../errors/resource-server.error.js';
import { Revocations } from './revocations.js';

const SETTINGS = { maxTokenLifetime: 3600, maxEntries: 3, pruneIntervalMs: 60_000 };

function revocations() {
  const runtime = testRuntime();
  runtime.clock = 1_000_000_000; // seconds: 1_000_000
  return { runtime, revocations: new Revocations(SETTINGS, runtime) };
}

describe('Revocations (local, no shared store)', () => {
  it('revokes a subject up to now and keeps the entry for the longest token lifetime', async () => {
    const { revocations: r } = revocations();
    expect(await r.revoke({ sub: 'alice' })).toEqual({
      kind: 'sub',
      value: 'alice',
      before: 1_000_000,
      until: 1_003_601,
    });
    expect([r.revokedBy({ sub: 'alice', iat: 1_000_000 }), r.revokedBy({ sub: 'alice', iat: 1_000_001 })]).toEqual([
      'sub',
      undefined,
    ]);
  });

  it('takes a cut-off and a token expiry when given', async () => {
    const { revocations: r } = revocations();
    expect(await r.revoke({ sub: 'bob', issuedBefore: 999_000 })).toEqual({
      kind: 'sub',
      value: 'bob',
      before: 999_000,
      until: 1_002_601,
    });
    expect(await r.revoke({ jti: 'tok', expiresAt: 1_000_100 })).toEqual({
      kind: 'jti',
      value: 'tok',
      until: 1_000_101,
    });
    expect(await r.revoke({ sid: 'session' })).toEqual({ kind: 'sid', value: 'session', until: 1_003_601 });
  });

  it.each([{}, { sub: 'a', jti: 'b' }, { sub: '' }, { sid: 'x'.repeat(1025) }, { jti: 42 as unknown as string }])(
    'refuses a request that does not name exactly one well-formed value: %j',
    async (request) => {
      const { revocations: r } = revocations();
      await expect(r.revoke(request)).rejects.toMatchObject({ code: 'invalid_revocation', status: 400 });
    },
  );

  it('refuses a revocation beyond maxEntries with a 400, keeping the others', async () => {
    const { revocations: r } = revocations();
    for (const jti of ['a', 'b', 'c']) await r.revoke({ jti });
    await expect(r.revoke({ jti: 'd' })).rejects.toBeInstanceOf(InvalidRequestError);
    expect(r.size).toBe(3);
  });

  it('is in sync without a shared store', () => {
    expect(revocations().revocations.inSync).toBe(true);
  });

  it('applies entries received from another instance', () => {
    const { revocations: r } = revocations();
    r.apply([{ kind: 'jti', value: 'remote', until: 2_000_000 }]);
    expect(r.revokedBy({ jti: 'remote' })).toBe('jti');
  });
});
