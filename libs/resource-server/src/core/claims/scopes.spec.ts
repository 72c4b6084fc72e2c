// RFC 6749 §3.3 (space-delimited, case-sensitive scope tokens), RFC 9068 §2.2.3 and RFC 6750 §3
// (the `scope` attribute of an insufficient_scope challenge names the scope the resource requires).
import { describe, expect, it } from '@jest/globals';
import { InsufficientScopeError, InvalidTokenError } from '../../errors/resource-server.error.js';
import { checkScopes, readScopes, type ScopeRequirement } from './scopes.js';

const CLAIMS = ['scope', 'scp'] as const;

describe('readScopes', () => {
  it.each([
    ['a space-delimited string', { scope: 'read write' }, ['read', 'write']],
    ['a single scope', { scope: 'read' }, ['read']],
    ['an empty string', { scope: '' }, []],
    ['repeated, leading and trailing spaces', { scope: '  read   write ' }, ['read', 'write']],
    ['an scp array', { scp: ['read', 'write'] }, ['read', 'write']],
    ['an scp string', { scp: 'admin' }, ['admin']],
    ['both claims merged in claim order', { scope: 'read write', scp: ['admin', 'read'] }, ['read', 'write', 'admin']],
    ['duplicates inside one claim', { scope: 'read read write read' }, ['read', 'write']],
    ['empty array entries', { scp: ['', 'read', ''] }, ['read']],
    ['no scope claim at all', { sub: 'alice' }, []],
    ['case kept (scopes are case-sensitive)', { scope: 'Read read' }, ['Read', 'read']],
  ])('reads %s', (_name, claims, expected) => {
    expect(readScopes(claims, CLAIMS)).toEqual(expected);
  });

  it('reads a scope claim named like an Object.prototype member only when the token carries it', () => {
    // Regression: scopeClaims ['constructor'] read Object.prototype.constructor and refused every token.
    expect(readScopes({ scope: 'read' }, ['constructor', 'toString', 'scope'])).toEqual(['read']);
    expect(readScopes(JSON.parse('{"constructor":"admin"}'), ['constructor'])).toEqual(['admin']);
  });

  it('reads only the configured claims, in the configured order', () => {
    const claims = { scope: 'a b', scp: ['c'], permissions: ['p'] };
    expect(readScopes(claims, ['permissions', 'scope'])).toEqual(['p', 'a', 'b']);
    expect(readScopes(claims, ['scp'])).toEqual(['c']);
  });

  it('does not split on tabs or commas (only %x20 delimits, RFC 6749 §3.3)', () => {
    expect(readScopes({ scope: 'a,b\tc' }, CLAIMS)).toEqual(['a,b\tc']);
  });

  it.each([
    ['a number', { scope: 42 }, 'scope'],
    ['null', { scope: null }, 'scope'],
    ['an object', { scp: { read: true } }, 'scp'],
    ['an array holding a non-string', { scp: ['read', 7] }, 'scp'],
    ['an array holding null', { scp: [null] }, 'scp'],
    ['a boolean', { scp: true }, 'scp'],
  ])('refuses a claim that is %s (InvalidTokenError invalid_claim naming it)', (_name, claims, claim) => {
    let thrown: unknown;
    try {
      readScopes(claims, CLAIMS);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidTokenError);
    expect(thrown).toMatchObject({ code: 'invalid_claim', message: `The access token claim "${claim}" is malformed` });
  });
});

describe('checkScopes', () => {
  const req = (all: string[], anyOf: string[][] = []): ScopeRequirement => ({ all, anyOf });

  function requiredScopesOf(granted: string[], requirement: ScopeRequirement): readonly string[] | 'passed' {
    try {
      checkScopes(granted, requirement);
      return 'passed';
    } catch (error) {
      expect(error).toBeInstanceOf(InsufficientScopeError);
      expect(error).toMatchObject({ code: 'insufficient_scope', status: 403, bearerError: 'insufficient_scope' });
      return (error as InsufficientScopeError).requiredScopes;
    }
  }

  it.each<[string, string[], ScopeRequirement]>([
    ['nothing required, nothing granted', [], req([])],
    ['every scope of all granted', ['read', 'write', 'x'], req(['read', 'write'])],
    ['one scope of an anyOf group granted', ['write'], req([], [['read', 'write']])],
    [
      'all plus one of each group',
      ['a', 'c', 'e'],
      req(
        ['a'],
        [
          ['b', 'c'],
          ['d', 'e'],
        ],
      ),
    ],
  ])('passes: %s', (_name, granted, requirement) => {
    expect(requiredScopesOf(granted, requirement)).toBe('passed');
  });

  it.each<[string, string[], ScopeRequirement, string[]]>([
    ['one scope of all missing: names every scope of all', ['read'], req(['read', 'write']), ['read', 'write']],
    ['nothing granted', [], req(['read']), ['read']],
    ['no scope of a group granted: names the group', ['x'], req([], [['read', 'write']]), ['read', 'write']],
    ['all met, a group failed: names all and the group', ['a'], req(['a'], [['b', 'c']]), ['a', 'b', 'c']],
    ['all failed, the group met: names all', ['b'], req(['a'], [['b', 'c']]), ['a']],
    ['a scope named in all and in the failed group is named once', [], req(['a'], [['a', 'b']]), ['a', 'b']],
  ])('fails: %s', (_name, granted, requirement, named) => {
    expect(requiredScopesOf(granted, requirement)).toEqual(named);
  });

  it.each<[string, string, string]>([
    ['a broader scope', 'read', 'read:messages'],
    ['a narrower scope', 'read:messages', 'read'],
    ['another case', 'READ', 'read'],
    ['a prefix', 'rea', 'read'],
    ['a scope with a trailing space', 'read ', 'read'],
  ])('matches exactly: %s does not satisfy', (_name, granted, required) => {
    expect(requiredScopesOf([granted], req([required]))).toEqual([required]);
    expect(requiredScopesOf([granted], req([], [[required]]))).toEqual([required]);
  });

  // RFC 6750 §3: `scope` names the scope required to access the resource. When two anyOf groups
  // fail, a token holding only the first group's scopes is still refused, so both must be named.
  it('names the scopes of every failed anyOf group, not only the first', () => {
    const named = requiredScopesOf(
      [],
      req(
        [],
        [
          ['a', 'b'],
          ['c', 'd'],
        ],
      ),
    );
    expect(named).toEqual(expect.arrayContaining(['a', 'b', 'c', 'd']));
  });
});
