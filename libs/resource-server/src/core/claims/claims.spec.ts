// RFC 7519 §4.1, RFC 8725 §3.8-3.11 and RFC 9068 §2.2 / §4: every branch of the claim and typ checks,
// with exact boundary numbers (NumericDate seconds, clock tolerance 5 s unless said otherwise).
import { describe, expect, it } from '@jest/globals';
import { InvalidTokenError } from '../../errors/resource-server.error.js';
import type { ErrorCode } from '../../errors/messages.js';
import { checkTokenType, claimsExpireAt, validateClaims, type ClaimRules, INTROSPECTION_PROFILE } from './claims.js';

const NOW = 1_700_000_000;
const ISSUER = 'https://issuer.example';

const RULES: ClaimRules = {
  issuer: ISSUER,
  audiences: ['api://a', 'api://b'],
  clockTolerance: 5,
  maxTokenAge: undefined,
  requiredClaims: [],
  strict: false,
  audienceClaim: 'aud',
  checkTokenKind: true,
  requiredTenant: undefined,
  tenantClaim: 'tid',
};

const PAYLOAD: Readonly<Record<string, unknown>> = {
  iss: ISSUER,
  aud: 'api://a',
  exp: NOW + 300,
  iat: NOW - 10,
  sub: 'alice',
  client_id: 'web',
  jti: 'id-1',
};

/** The payload with `patch` applied; a value of undefined removes the claim. */
function payloadWith(patch: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries({ ...PAYLOAD, ...patch }).filter(([, v]) => v !== undefined));
}

function outcome(patch: Record<string, unknown>, rules: Partial<ClaimRules> = {}, now = NOW): ErrorCode | 'ok' {
  try {
    validateClaims(payloadWith(patch), { ...RULES, ...rules }, now);
    return 'ok';
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidTokenError);
    return (error as InvalidTokenError).code;
  }
}

type Case = [
  name: string,
  patch: Record<string, unknown>,
  rules: Partial<ClaimRules>,
  now: number,
  expected: ErrorCode | 'ok',
];

describe('validateClaims', () => {
  const cases: Case[] = [
    ['a good token', {}, {}, NOW, 'ok'],

    // iss: exact string comparison (RFC 9068 §4, RFC 8725 §3.8).
    ['iss with an extra trailing slash', { iss: `${ISSUER}/` }, {}, NOW, 'untrusted_issuer'],
    ['iss in another case', { iss: ISSUER.toUpperCase() }, {}, NOW, 'untrusted_issuer'],
    ['iss missing', { iss: undefined }, {}, NOW, 'untrusted_issuer'],
    ['iss not a string', { iss: ['https://issuer.example'] }, {}, NOW, 'untrusted_issuer'],

    // exp: valid while now < exp + tolerance.
    ['exp missing', { exp: undefined }, {}, NOW, 'missing_claim'],
    ['exp a string', { exp: String(NOW + 300) }, {}, NOW, 'invalid_claim'],
    ['exp null', { exp: null }, {}, NOW, 'invalid_claim'],
    ['exp true', { exp: true }, {}, NOW, 'invalid_claim'],
    ['exp Infinity', { exp: Infinity }, {}, NOW, 'invalid_claim'],
    ['exp NaN', { exp: NaN }, {}, NOW, 'invalid_claim'],
    ['exp long past', { exp: NOW - 3600 }, {}, NOW, 'expired'],
    ['exp = now (inside the 5 s tolerance)', { exp: NOW }, {}, NOW, 'ok'],
    ['exp = now - 4 (1 s of tolerance left)', { exp: NOW - 4 }, {}, NOW, 'ok'],
    ['exp = now - 5 (tolerance used up exactly)', { exp: NOW - 5 }, {}, NOW, 'expired'],
    ['exp = now, no tolerance', { exp: NOW }, { clockTolerance: 0 }, NOW, 'expired'],
    ['exp = now + 1, no tolerance', { exp: NOW + 1 }, { clockTolerance: 0 }, NOW, 'ok'],
    ['exp half a second ahead of a fractional now', { exp: NOW + 1 }, { clockTolerance: 0 }, NOW + 0.5, 'ok'],
    ['exp equal to a fractional now', { exp: NOW + 0.5 }, { clockTolerance: 0 }, NOW + 0.5, 'expired'],

    // nbf: valid once now >= nbf - tolerance.
    ['nbf = now + 5 (exactly at tolerance)', { nbf: NOW + 5 }, {}, NOW, 'ok'],
    ['nbf = now + 6', { nbf: NOW + 6 }, {}, NOW, 'not_yet_valid'],
    ['nbf = now, no tolerance', { nbf: NOW }, { clockTolerance: 0 }, NOW, 'ok'],
    ['nbf = now + 1, no tolerance', { nbf: NOW + 1 }, { clockTolerance: 0 }, NOW, 'not_yet_valid'],
    ['nbf a string', { nbf: 'yesterday' }, {}, NOW, 'invalid_claim'],

    // iat: not in the future beyond the tolerance.
    ['iat = now + 5', { iat: NOW + 5 }, {}, NOW, 'ok'],
    ['iat = now + 6', { iat: NOW + 6 }, {}, NOW, 'issued_in_future'],
    ['iat a string', { iat: String(NOW) }, {}, NOW, 'invalid_claim'],
    ['iat missing without maxTokenAge', { iat: undefined }, {}, NOW, 'ok'],

    // maxTokenAge: refused once now - iat > maxTokenAge + tolerance.
    ['age = maxTokenAge + tolerance exactly', { iat: NOW - 605 }, { maxTokenAge: 600 }, NOW, 'ok'],
    ['age = maxTokenAge + tolerance + 1', { iat: NOW - 606 }, { maxTokenAge: 600 }, NOW, 'too_old'],
    [
      'age = maxTokenAge + 1, no tolerance',
      { iat: NOW - 601 },
      { maxTokenAge: 600, clockTolerance: 0 },
      NOW,
      'too_old',
    ],
    ['maxTokenAge 0 and iat = now', { iat: NOW }, { maxTokenAge: 0, clockTolerance: 0 }, NOW, 'ok'],
    ['maxTokenAge set and iat missing', { iat: undefined }, { maxTokenAge: 600 }, NOW, 'missing_claim'],

    // aud (RFC 7519 §4.1.3: a string or an array of strings; RFC 8725 §3.9).
    ['aud a matching string', { aud: 'api://b' }, {}, NOW, 'ok'],
    ['aud an array with one match', { aud: ['other', 'api://b'] }, {}, NOW, 'ok'],
    ['aud missing', { aud: undefined }, {}, NOW, 'missing_claim'],
    ['aud a number', { aud: 5 }, {}, NOW, 'invalid_claim'],
    ['aud null', { aud: null }, {}, NOW, 'invalid_claim'],
    ['aud an object', { aud: { 0: 'api://a' } }, {}, NOW, 'invalid_claim'],
    ['aud an array holding a non-string', { aud: ['api://a', 5] }, {}, NOW, 'invalid_claim'],
    ['aud another audience', { aud: 'api://c' }, {}, NOW, 'audience_mismatch'],
    ['aud in another case', { aud: 'API://A' }, {}, NOW, 'audience_mismatch'],
    ['aud an empty array', { aud: [] }, {}, NOW, 'audience_mismatch'],
    ['aud a prefix of an accepted one', { aud: 'api://' }, {}, NOW, 'audience_mismatch'],
    ['aud missing, audience check disabled', { aud: undefined }, { audiences: false }, NOW, 'ok'],
    ['aud junk, audience check disabled', { aud: 5 }, { audiences: false }, NOW, 'ok'],

    // sub, client_id, jti: strings when present.
    ['sub a number', { sub: 42 }, {}, NOW, 'invalid_claim'],
    ['client_id an object', { client_id: { id: 'web' } }, {}, NOW, 'invalid_claim'],
    ['jti a number', { jti: 1 }, {}, NOW, 'invalid_claim'],
    [
      'sub, client_id and jti absent (not strict)',
      { sub: undefined, client_id: undefined, jti: undefined },
      {},
      NOW,
      'ok',
    ],

    // requiredClaims.
    ['a required claim present', { tenant: 't1' }, { requiredClaims: ['sub', 'tenant'] }, NOW, 'ok'],
    ['a required claim missing', {}, { requiredClaims: ['sub', 'tenant'] }, NOW, 'missing_claim'],
    ['a required claim null', { tenant: null }, { requiredClaims: ['tenant'] }, NOW, 'missing_claim'],
    ['a required claim false is present', { tenant: false }, { requiredClaims: ['tenant'] }, NOW, 'ok'],

    // strict: RFC 9068 §2.2 claims are required.
    ['strict with every RFC 9068 claim', {}, { strict: true }, NOW, 'ok'],
    [
      'strict, audience check disabled, aud still required',
      { aud: undefined },
      { strict: true, audiences: false },
      NOW,
      'missing_claim',
    ],
    ...(['sub', 'client_id', 'iat', 'jti'] as const).map((name): Case => [
      `strict without ${name}`,
      { [name]: undefined },
      { strict: true },
      NOW,
      'missing_claim',
    ]),
    [
      'strict plus requiredClaims',
      { tenant: undefined },
      { strict: true, requiredClaims: ['tenant'] },
      NOW,
      'missing_claim',
    ],
  ];

  it.each(cases)('%s', (_name, patch, rules, now, expected) => {
    expect(outcome(patch, rules, now)).toBe(expected);
  });

  it('names the missing or invalid claim in the description', () => {
    const missing = () => validateClaims(payloadWith({ jti: undefined }), { ...RULES, strict: true }, NOW);
    expect(missing).toThrow('The access token lacks the required claim "jti"');
    const invalid = () => validateClaims(payloadWith({ nbf: 'x' }), RULES, NOW);
    expect(invalid).toThrow('The access token claim "nbf" is not a NumericDate');
    const aud = () => validateClaims(payloadWith({ aud: [1] }), RULES, NOW);
    expect(aud).toThrow('The access token claim "aud" is malformed');
  });

  it('uses the table messages for the other codes', () => {
    expect(() => validateClaims(payloadWith({ exp: NOW - 60 }), RULES, NOW)).toThrow('The access token expired');
    expect(() => validateClaims(payloadWith({ aud: 'x' }), RULES, NOW)).toThrow(
      'The access token is not intended for this audience',
    );
  });
});

describe('checkTokenType', () => {
  function typOutcome(typ: unknown, strict: boolean): ErrorCode | 'ok' {
    try {
      checkTokenType(typ === undefined ? { alg: 'RS256' } : { alg: 'RS256', typ }, strict);
      return 'ok';
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidTokenError);
      return (error as InvalidTokenError).code;
    }
  }

  it.each([
    [undefined, 'ok', 'wrong_token_type'],
    ['JWT', 'ok', 'wrong_token_type'],
    ['jwt', 'ok', 'wrong_token_type'],
    ['application/jwt', 'ok', 'wrong_token_type'],
    ['at+jwt', 'ok', 'ok'],
    ['AT+JWT', 'ok', 'ok'],
    ['At+Jwt', 'ok', 'ok'],
    ['application/at+jwt', 'ok', 'ok'],
    ['Application/AT+JWT', 'ok', 'ok'],
    ['dpop+jwt', 'wrong_token_type', 'wrong_token_type'],
    ['logout+jwt', 'wrong_token_type', 'wrong_token_type'],
    ['secevent+jwt', 'wrong_token_type', 'wrong_token_type'],
    ['application/dpop+jwt', 'wrong_token_type', 'wrong_token_type'],
    ['at+jwt ', 'wrong_token_type', 'wrong_token_type'],
    ['JOSE', 'wrong_token_type', 'wrong_token_type'],
    ['', 'wrong_token_type', 'wrong_token_type'],
    [null, 'wrong_token_type', 'wrong_token_type'],
    [5, 'wrong_token_type', 'wrong_token_type'],
    [['at+jwt'], 'wrong_token_type', 'wrong_token_type'],
  ] as const)('typ %p: %s when lenient, %s when strict', (typ, lenient, strict) => {
    expect(typOutcome(typ, false)).toBe(lenient);
    expect(typOutcome(typ, true)).toBe(strict);
  });
});

describe('validateClaims: audience claim and tenant', () => {
  const base = { iss: ISSUER, exp: NOW + 60 };

  it('matches the audience against client_id when so configured (Cognito access tokens have no aud)', () => {
    const rules: ClaimRules = { ...RULES, audienceClaim: 'client_id' };
    expect(() => validateClaims({ ...base, client_id: 'api://a' }, rules, NOW)).not.toThrow();
    expect(() => validateClaims({ ...base, aud: 'api://a', client_id: 'other' }, rules, NOW)).toThrow(
      expect.objectContaining({ code: 'audience_mismatch' }),
    );
    expect(() => validateClaims({ ...base, aud: 'api://a' }, rules, NOW)).toThrow(
      expect.objectContaining({
        code: 'missing_claim',
        message: 'The access token lacks the required claim "client_id"',
      }),
    );
  });

  it('requires the tenant claim to name the tenant of a {tenantid} issuer', () => {
    const rules: ClaimRules = { ...RULES, requiredTenant: 'tenant-1' };
    expect(() => validateClaims({ ...base, aud: 'api://a', tid: 'tenant-1' }, rules, NOW)).not.toThrow();
    expect(() => validateClaims({ ...base, aud: 'api://a', tid: 'tenant-2' }, rules, NOW)).toThrow(
      expect.objectContaining({ code: 'untrusted_issuer' }),
    );
    expect(() => validateClaims({ ...base, aud: 'api://a' }, rules, NOW)).toThrow(
      expect.objectContaining({ code: 'untrusted_issuer' }),
    );
  });
});

describe('validateClaims: claims are read as own properties only', () => {
  // Regression: `requiredClaims: ['constructor']` was met by Object.prototype.constructor.
  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'])(
    'requiredClaims [%p] is missing from a token that lacks it',
    (name) => {
      expect(outcome({}, { requiredClaims: [name] })).toBe('missing_claim');
      expect(() => validateClaims(payloadWith({}), { ...RULES, requiredClaims: [name] }, NOW)).toThrow(
        `The access token lacks the required claim "${name}"`,
      );
    },
  );

  it('a token that carries such a claim itself meets the requirement, __proto__ included', () => {
    const payload = JSON.parse(`{"iss":"${ISSUER}","aud":"api://a","exp":${NOW + 60},"__proto__":"x","constructor":1}`);
    expect(() =>
      validateClaims(payload, { ...RULES, requiredClaims: ['__proto__', 'constructor'] }, NOW),
    ).not.toThrow();
  });

  it('a tenant claim named like an Object.prototype member is not satisfied by the prototype', () => {
    const rules: ClaimRules = {
      ...RULES,
      requiredTenant: 'function Object() { [native code] }',
      tenantClaim: 'constructor',
    };
    expect(outcome({}, rules)).toBe('untrusted_issuer');
  });

  it('a payload whose iss, exp and aud are only inherited is not trusted', () => {
    const inherited = Object.create({ iss: ISSUER, exp: NOW + 60, aud: 'api://a' }) as Record<string, unknown>;
    expect(() => validateClaims(inherited, RULES, NOW)).toThrow(expect.objectContaining({ code: 'untrusted_issuer' }));
  });
});

describe('validateClaims: NumericDates compared in whole seconds', () => {
  // Regression: with maxTokenAge 0 and no tolerance, a token minted this second was "too old"
  // because now carried milliseconds.
  it.each([0.001, 0.5, 0.999])(
    'maxTokenAge 0, tolerance 0: a token with iat = this second passes at now + %p s',
    (fraction) => {
      expect(outcome({ iat: NOW }, { maxTokenAge: 0, clockTolerance: 0 }, NOW + fraction)).toBe('ok');
    },
  );

  it('maxTokenAge 0, tolerance 0: refused the next whole second', () => {
    expect(outcome({ iat: NOW }, { maxTokenAge: 0, clockTolerance: 0 }, NOW + 1)).toBe('too_old');
  });

  it('iat one second ahead is in the future at any fraction of this second, without tolerance', () => {
    expect(outcome({ iat: NOW + 1 }, { clockTolerance: 0 }, NOW + 0.999)).toBe('issued_in_future');
    expect(outcome({ iat: NOW }, { clockTolerance: 0 }, NOW + 0.999)).toBe('ok');
  });

  it('nbf this second is valid at any fraction of it; exp this second is expired at any fraction of it', () => {
    expect(outcome({ nbf: NOW }, { clockTolerance: 0 }, NOW + 0.2)).toBe('ok');
    expect(outcome({ exp: NOW }, { clockTolerance: 0 }, NOW + 0.2)).toBe('expired');
    expect(outcome({ exp: NOW + 1 }, { clockTolerance: 0 }, NOW + 0.999)).toBe('ok');
  });
});

describe('validateClaims: sender-constrained tokens (cnf)', () => {
  // The binding (cnf: DPoP jkt, mTLS x5t#S256) is decided in one place, the pipeline's binding check
  // (core/binding/sender-constraint.ts), which sees the request's proof; AccessTokenVerifier.verify()
  // refuses bound tokens outright. The claim validator leaves cnf alone, for JWTs and answers alike.
  it.each([
    ['a DPoP key thumbprint', { jkt: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs' }],
    ['an mTLS certificate thumbprint', { 'x5t#S256': 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2' }],
  ])('passes a token whose cnf holds %s on to the binding check', (_name, cnf) => {
    expect(outcome({ cnf })).toBe('ok');
  });

  it('an introspection answer typed DPoP must carry cnf.jkt (RFC 9449 §6.2)', () => {
    const answer = (extra: Record<string, unknown>) => () =>
      validateClaims({ active: true, token_type: 'DPoP', ...extra }, RULES, NOW, INTROSPECTION_PROFILE);
    expect(answer({ cnf: { jkt: 'x' } })).not.toThrow();
    expect(answer({})).toThrow(expect.objectContaining({ code: 'wrong_token_type' }));
    expect(answer({ cnf: { 'x5t#S256': 'y' } })).toThrow(expect.objectContaining({ code: 'wrong_token_type' }));
  });
});

describe('claimsExpireAt', () => {
  // The verified-token cache serves a token until this moment without validating it again: it must
  // be exactly the first millisecond at which validateClaims would refuse claims it accepted before.
  const cases: [string, Record<string, unknown>, Partial<ClaimRules>][] = [
    ['exp only', {}, {}],
    ['exp, no tolerance', {}, { clockTolerance: 0 }],
    ['a fractional exp', { exp: NOW + 300.7 }, {}],
    ['maxTokenAge before exp', {}, { maxTokenAge: 60 }],
    ['maxTokenAge after exp', {}, { maxTokenAge: 3_600 }],
    ['maxTokenAge with a fractional iat', { iat: NOW - 10.4 }, { maxTokenAge: 60, clockTolerance: 0 }],
    ['iat equal to the limit of maxTokenAge', { iat: NOW - 65 }, { maxTokenAge: 60 }],
  ];

  it.each(cases)('is the first millisecond validateClaims refuses (%s)', (_name, patch, rules) => {
    const claims = payloadWith(patch);
    const all = { ...RULES, ...rules };
    expect(outcome(patch, rules)).toBe('ok');
    const until = claimsExpireAt(claims, all);
    expect(until).toBeGreaterThan(NOW * 1000);
    const passes = (ms: number) => outcome(patch, rules, ms / 1000) === 'ok';
    for (const ms of [NOW * 1000, until - 1_000, until - 1]) expect(passes(ms)).toBe(true);
    for (const ms of [until, until + 1, until + 3_600_000]) expect(passes(ms)).toBe(false);
  });

  it('is never for claims without exp and maxTokenAge (an introspection answer)', () => {
    expect(claimsExpireAt(payloadWith({ exp: undefined }), RULES)).toBe(Number.POSITIVE_INFINITY);
  });
});
