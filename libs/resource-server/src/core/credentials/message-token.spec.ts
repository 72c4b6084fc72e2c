import { describe, expect, it } from '@jest/globals';
import { InvalidRequestError, MissingTokenError } from '../../errors/resource-server.error.js';
import { oneToken, tokenOfValue } from './message-token.js';

describe('tokenOfValue', () => {
  it.each([
    ['Bearer abc.def', false, 'abc.def'],
    ['bearer   abc.def ', false, 'abc.def'],
    ['abc.def', true, 'abc.def'],
    [undefined, false, undefined],
    [null, true, undefined],
  ])('reads %p (raw allowed: %p)', (value, allowRaw, token) => {
    expect(tokenOfValue(value, allowRaw)).toBe(token);
  });

  it.each([
    ['abc.def', false],
    ['Bearer ', false],
    ['Bearer a b', true],
    ['Basic dXNlcg==', true],
    [42, true],
    [['Bearer a'], false],
  ])('refuses %p (raw allowed: %p) as malformed', (value, allowRaw) => {
    expect(() => tokenOfValue(value, allowRaw)).toThrow(InvalidRequestError);
  });
});

describe('oneToken', () => {
  it('returns the one token found', () => {
    expect(oneToken([undefined, 't', undefined])).toBe('t');
  });

  it('refuses none as missing and several as multiple_tokens', () => {
    expect(() => oneToken([undefined])).toThrow(MissingTokenError);
    expect(() => oneToken(['a', 'a'])).toThrow(expect.objectContaining({ code: 'multiple_tokens' }));
  });
});
