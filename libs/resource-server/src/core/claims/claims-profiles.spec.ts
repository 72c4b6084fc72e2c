// One validator, two profiles: a verified JWT payload (RFC 7519 / RFC 9068) and an active RFC 7662
// introspection answer. Every row states the outcome under both, so a rule that exists for one format
// only is visible here (the jti type check and the tenant check once existed for JWTs alone).
import { describe, expect, it } from '@jest/globals';
import { InvalidTokenError } from '../../errors/resource-server.error.js';
import type { ErrorCode } from '../../errors/messages.js';
import { INTROSPECTION_PROFILE, JWT_PROFILE, validateClaims, type ClaimProfile, type ClaimRules } from './claims.js';

const NOW = 1_700_000_000;
const ISSUER = 'https://issuer.example';

const RULES: ClaimRules = {
  issuer: ISSUER,
  audiences: ['api://a'],
  clockTolerance: 5,
  maxTokenAge: undefined,
  requiredClaims: [],
  strict: false,
  audienceClaim: 'aud',
  checkTokenKind: true,
  requiredTenant: undefined,
  tenantClaim: 'tid',
};

const CLAIMS: Readonly<Record<string, unknown>> = {
  iss: ISSUER,
  aud: 'api://a',
  exp: NOW + 300,
  iat: NOW - 10,
  sub: 'alice',
  client_id: 'web',
  jti: 'id-1',
};

function outcome(profile: ClaimProfile, patch: Record<string, unknown>, rules: Partial<ClaimRules>): ErrorCode | 'ok' {
  const claims = Object.fromEntries(Object.entries({ ...CLAIMS, ...patch }).filter(([, v]) => v !== undefined));
  try {
    validateClaims(claims, { ...RULES, ...rules }, NOW + 0.75, profile);
    return 'ok';
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidTokenError);
    return (error as InvalidTokenError).code;
  }
}

type Row = [
  name: string,
  patch: Record<string, unknown>,
  rules: Partial<ClaimRules>,
  jwt: ErrorCode | 'ok',
  introspection: ErrorCode | 'ok',
];

describe('validateClaims under the JWT and the introspection profile', () => {
  const rows: Row[] = [
    ['complete claims', {}, {}, 'ok', 'ok'],

    // What a JWT must carry and an introspection answer may omit (RFC 7662 §2.2).
    ['no iss', { iss: undefined }, {}, 'untrusted_issuer', 'ok'],
    ['no exp', { exp: undefined }, {}, 'missing_claim', 'ok'],
    ['no aud', { aud: undefined }, {}, 'missing_claim', 'ok'],
    [
      'no aud, audience checked on client_id, which is ours',
      { aud: undefined, client_id: 'api://a' },
      { audienceClaim: 'client_id' },
      'ok',
      'ok',
    ],
    [
      'no client_id when the audience is checked on it',
      { client_id: undefined },
      { audienceClaim: 'client_id' },
      'missing_claim',
      'ok',
    ],

    // What is present is checked the same way under both.
    ['another iss', { iss: 'https://evil.example' }, {}, 'untrusted_issuer', 'untrusted_issuer'],
    ['iss null', { iss: null }, {}, 'untrusted_issuer', 'untrusted_issuer'],
    ['iss not a string', { iss: 42 }, {}, 'untrusted_issuer', 'untrusted_issuer'],
    ['exp passed', { exp: NOW - 60 }, {}, 'expired', 'expired'],
    ['exp not a NumericDate', { exp: 'soon' }, {}, 'invalid_claim', 'invalid_claim'],
    ['exp null', { exp: null }, {}, 'invalid_claim', 'invalid_claim'],
    ['nbf ahead', { nbf: NOW + 60 }, {}, 'not_yet_valid', 'not_yet_valid'],
    ['nbf not a NumericDate', { nbf: [NOW] }, {}, 'invalid_claim', 'invalid_claim'],
    ['iat ahead', { iat: NOW + 60 }, {}, 'issued_in_future', 'issued_in_future'],
    ['iat not a NumericDate', { iat: 'now' }, {}, 'invalid_claim', 'invalid_claim'],
    ['older than maxTokenAge', { iat: NOW - 3600 }, { maxTokenAge: 60 }, 'too_old', 'too_old'],
    ['no iat with maxTokenAge', { iat: undefined }, { maxTokenAge: 60 }, 'missing_claim', 'missing_claim'],
    ['maxTokenAge 0, tolerance 0, iat this second', { iat: NOW }, { maxTokenAge: 0, clockTolerance: 0 }, 'ok', 'ok'],
    ['another aud', { aud: 'api://other' }, {}, 'audience_mismatch', 'audience_mismatch'],
    ['aud list without ours', { aud: ['x', 'y'] }, {}, 'audience_mismatch', 'audience_mismatch'],
    ['aud malformed', { aud: [1] }, {}, 'invalid_claim', 'invalid_claim'],
    ['aud check disabled, another aud', { aud: 'api://other' }, { audiences: false }, 'ok', 'ok'],
    [
      'client_id the audience when checked on it, aud elsewhere',
      { aud: 'api://other', client_id: 'api://a' },
      { audienceClaim: 'client_id' },
      'ok',
      'ok',
    ],
    ['sub not a string', { sub: 1 }, {}, 'invalid_claim', 'invalid_claim'],
    ['client_id not a string', { client_id: ['web'] }, {}, 'invalid_claim', 'invalid_claim'],
    ['jti not a string', { jti: 7 }, {}, 'invalid_claim', 'invalid_claim'],
    ['the tenant of a {tenantid} issuer', { tid: 'tenant-1' }, { requiredTenant: 'tenant-1' }, 'ok', 'ok'],
    ['another tenant', { tid: 'tenant-2' }, { requiredTenant: 'tenant-1' }, 'untrusted_issuer', 'untrusted_issuer'],
    ['no tenant', {}, { requiredTenant: 'tenant-1' }, 'untrusted_issuer', 'untrusted_issuer'],
    ['a required claim', { org: 'o' }, { requiredClaims: ['org'] }, 'ok', 'ok'],
    ['a required claim missing', {}, { requiredClaims: ['org'] }, 'missing_claim', 'missing_claim'],
    [
      'aud required by requiredClaims',
      { aud: undefined },
      { requiredClaims: ['aud'] },
      'missing_claim',
      'missing_claim',
    ],
    [
      'requiredClaims naming an Object.prototype member',
      {},
      { requiredClaims: ['constructor'] },
      'missing_claim',
      'missing_claim',
    ],
    // cnf is the pipeline's binding check's to decide (core/binding), which sees the request's proof.
    ['a key-bound token (cnf)', { cnf: { jkt: 'thumbprint' } }, {}, 'ok', 'ok'],

    // RFC 7662 token_type: an introspection answer only (a JWT says what it is in its header typ).
    ['token_type Bearer', { token_type: 'Bearer' }, {}, 'ok', 'ok'],
    ['token_type access_token', { token_type: 'access_token' }, {}, 'ok', 'ok'],
    [
      'token_type the RFC 8693 access token URN',
      { token_type: 'urn:ietf:params:oauth:token-type:access_token' },
      {},
      'ok',
      'ok',
    ],
    ['token_type refresh_token', { token_type: 'refresh_token' }, {}, 'ok', 'wrong_token_type'],
    ['token_type DPoP without cnf', { token_type: 'DPoP' }, {}, 'ok', 'wrong_token_type'],
    ['token_type DPoP with cnf', { token_type: 'DPoP', cnf: { jkt: 'x' } }, {}, 'ok', 'ok'],
    ['token_type not a string', { token_type: 1 }, {}, 'ok', 'wrong_token_type'],

    // strict (RFC 9068) is a JWT profile.
    ['strict, every RFC 9068 claim', {}, { strict: true }, 'ok', 'ok'],
    ['strict without jti', { jti: undefined }, { strict: true }, 'missing_claim', 'ok'],
    ['strict without sub', { sub: undefined }, { strict: true }, 'missing_claim', 'ok'],
  ];

  it.each(rows)('%s: %s / %s', (_name, patch, rules, jwt, introspection) => {
    expect({
      jwt: outcome(JWT_PROFILE, patch, rules),
      introspection: outcome(INTROSPECTION_PROFILE, patch, rules),
    }).toEqual({
      jwt,
      introspection,
    });
  });

  it('defaults to the JWT profile', () => {
    const noExp = { ...CLAIMS, exp: undefined };
    delete noExp.exp;
    expect(() => validateClaims(noExp, RULES, NOW)).toThrow('The access token lacks the required claim "exp"');
    expect(() => validateClaims(noExp, RULES, NOW, INTROSPECTION_PROFILE)).not.toThrow();
  });

  it('profiles are frozen, so no caller can loosen the JWT rules for everyone', () => {
    expect(Object.isFrozen(JWT_PROFILE)).toBe(true);
    expect(Object.isFrozen(INTROSPECTION_PROFILE)).toBe(true);
  });
});
