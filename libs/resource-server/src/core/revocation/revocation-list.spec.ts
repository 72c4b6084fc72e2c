import { describe, expect, it } from '@jest/globals';
import { isRevocationEntry, RevocationList, revocationField } from './revocation-list.js';

describe('RevocationList', () => {
  it('revokes one token by jti', () => {
    const list = new RevocationList(10);
    list.add({ kind: 'jti', value: 't1', until: 100 });
    expect([list.revokedBy({ jti: 't1' }), list.revokedBy({ jti: 't2' })]).toEqual(['jti', undefined]);
  });

  it('revokes every token of a session, whenever issued, unless a cut-off is given', () => {
    const list = new RevocationList(10);
    list.add({ kind: 'sid', value: 's1', until: 100 });
    list.add({ kind: 'sid', value: 's2', before: 50, until: 100 });
    expect([
      list.revokedBy({ sid: 's1', iat: 99 }),
      list.revokedBy({ sid: 's2', iat: 50 }),
      list.revokedBy({ sid: 's2', iat: 51 }),
    ]).toEqual(['sid', 'sid', undefined]);
  });

  it('revokes the tokens of a subject issued at or before the cut-off, not later ones', () => {
    const list = new RevocationList(10);
    list.add({ kind: 'sub', value: 'alice', before: 1000, until: 5000 });
    expect([
      list.revokedBy({ sub: 'alice', iat: 999 }),
      list.revokedBy({ sub: 'alice', iat: 1000 }),
      list.revokedBy({ sub: 'alice', iat: 1001 }),
      list.revokedBy({ sub: 'bob', iat: 10 }),
    ]).toEqual(['sub', 'sub', undefined, undefined]);
  });

  it('treats a token without iat as revoked when its subject has a cut-off (fail closed)', () => {
    const list = new RevocationList(10);
    list.add({ kind: 'sub', value: 'alice', before: 1000, until: 5000 });
    expect(list.revokedBy({ sub: 'alice' })).toBe('sub');
  });

  it('ignores claims of the wrong type', () => {
    const list = new RevocationList(10);
    list.add({ kind: 'jti', value: '1', until: 100 });
    expect(list.revokedBy({ jti: 1 })).toBeUndefined();
  });

  it('merges a second entry for the same value without ever narrowing it', () => {
    const list = new RevocationList(10);
    list.add({ kind: 'sub', value: 'alice', before: 2000, until: 3000 });
    list.add({ kind: 'sub', value: 'alice', before: 1000, until: 9000 });
    expect(list.entries()).toEqual([{ kind: 'sub', value: 'alice', before: 2000, until: 9000 }]);
    list.add({ kind: 'sub', value: 'alice', until: 10 });
    expect(list.entries()).toEqual([{ kind: 'sub', value: 'alice', until: 9000 }]);
    expect(list.size).toBe(1);
  });

  it('forgets entries once every token they cover has expired', () => {
    const list = new RevocationList(10);
    list.add({ kind: 'jti', value: 'old', until: 100 });
    list.add({ kind: 'jti', value: 'new', until: 200 });
    expect(list.prune(150)).toEqual([{ kind: 'jti', value: 'old', until: 100 }]);
    expect({ size: list.size, old: list.revokedBy({ jti: 'old' }), fresh: list.revokedBy({ jti: 'new' }) }).toEqual({
      size: 1,
      old: undefined,
      fresh: 'jti',
    });
  });

  it('refuses a new entry when full and never drops an old one', () => {
    const list = new RevocationList(2);
    expect([
      list.add({ kind: 'jti', value: 'a', until: 100 }),
      list.add({ kind: 'jti', value: 'b', until: 100 }),
      list.add({ kind: 'jti', value: 'c', until: 100 }),
      list.add({ kind: 'jti', value: 'a', until: 200 }),
    ]).toEqual([true, true, false, true]);
    expect([list.revokedBy({ jti: 'a' }), list.revokedBy({ jti: 'b' }), list.revokedBy({ jti: 'c' })]).toEqual([
      'jti',
      'jti',
      undefined,
    ]);
  });

  it('checks the shape of entries that come from outside', () => {
    expect([
      isRevocationEntry({ kind: 'sub', value: 'a', until: 1, before: 0 }),
      isRevocationEntry({ kind: 'sub', value: 'a', until: 1 }),
      isRevocationEntry({ kind: 'aud', value: 'a', until: 1 }),
      isRevocationEntry({ kind: 'sub', value: '', until: 1 }),
      isRevocationEntry({ kind: 'sub', value: 'a', until: '1' }),
      isRevocationEntry({ kind: 'sub', value: 'a', until: 1, before: null }),
      isRevocationEntry({ kind: 'sub', value: 'x'.repeat(1025), until: 1 }),
      isRevocationEntry(null),
      isRevocationEntry('sub:a'),
    ]).toEqual([true, true, false, false, false, false, false, false, false]);
  });

  it('names the storage field after kind and value', () => {
    expect(revocationField({ kind: 'sid', value: 'abc' })).toBe('sid:abc');
  });
});
