import { describe, expect, it } from '@jest/globals';
import { MESSAGES, messageFor, type ErrorCode } from './messages.js';

describe('messageFor', () => {
  const codes = Object.keys(MESSAGES) as ErrorCode[];

  it('keeps every message unchanged for the access token (the default subject)', () => {
    for (const code of codes) expect(messageFor(code)).toBe(MESSAGES[code]);
  });

  it.each<[ErrorCode, string]>([
    ['malformed_token', 'The userinfo response is malformed'],
    ['unsupported_algorithm', 'The userinfo response algorithm is not allowed'],
    ['unsupported_header', 'The userinfo response uses an unsupported header parameter'],
    ['unknown_key', 'The userinfo response was signed with an unknown key'],
    ['key_mismatch', 'The userinfo response does not match its signing key'],
    ['bad_signature', 'The userinfo response signature is invalid'],
  ])('names the userinfo response for %s', (code, message) => {
    expect(messageFor(code, 'userinfo response')).toBe(message);
  });

  it('leaves messages that are not about the access token alone', () => {
    expect(messageFor('keys_unavailable', 'userinfo response')).toBe(MESSAGES.keys_unavailable);
  });
});
