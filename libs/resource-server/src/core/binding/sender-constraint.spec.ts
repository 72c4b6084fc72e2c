// The one decision about `cnf`: DPoP (RFC 9449 §7) and certificate binding (RFC 8705 §3).
import { describe, expect, it } from '@jest/globals';
import { generateTestKey } from '../../../../../test/helpers/keys.js';
import { dpopProof, jkt } from '../../../../../test/helpers/dpop.js';
import { InvalidDpopProofError, InvalidTokenError } from '../../errors/resource-server.error.js';
import type { VerifiedPrincipal } from '../claims/principal.js';
import { SUPPORTED_ALGORITHMS } from '../jose/algorithms.js';
import { DpopProofVerifier } from '../dpop/dpop-proof.js';
import { MemoryReplayStore } from '../dpop/replay-store.js';
import { SenderConstraints, type DpopPolicy, type Presentation } from './sender-constraint.js';

const ISS = 'https://id.example.com';
const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln';
const URL_ = 'https://api.example.com/orders';
const key = generateTestKey('ES256');

function principal(cnf?: unknown): VerifiedPrincipal {
  const p = { issuer: ISS, claims: cnf === undefined ? {} : { cnf } };
  Object.defineProperty(p, 'token', { value: TOKEN });
  return p as unknown as VerifiedPrincipal;
}

function constraints(policy: DpopPolicy = 'allowed', withDpop = true): SenderConstraints {
  const verifier = new DpopProofVerifier(
    { algorithms: new Set(SUPPORTED_ALGORITHMS), maxAgeMs: 60_000, clockToleranceMs: 5_000 },
    new MemoryReplayStore(100),
    undefined,
  );
  return new SenderConstraints(new Map([[ISS, policy]]), withDpop ? verifier : undefined);
}

const bearer: Presentation = { scheme: 'bearer' };
const dpop = (proofs = [dpopProof(key, TOKEN, { htm: 'GET', htu: URL_ })]): Presentation => ({
  scheme: 'dpop',
  dpop: { proofs, method: 'GET', url: URL_ },
});

function code(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidTokenError);
    return (error as InvalidTokenError).code;
  }
  throw new Error('expected a refusal');
}

describe('SenderConstraints: unbound tokens', () => {
  it('a Bearer token without cnf passes synchronously (no promise on the hot path)', () => {
    expect(constraints().check(principal(), bearer)).toBeUndefined();
  });

  it("'required' refuses an unbound Bearer token", () => {
    expect(code(() => constraints('required').check(principal(), bearer))).toBe('dpop_required');
  });

  it('the DPoP scheme with an unbound token is refused', () => {
    expect(code(() => constraints().check(principal(), dpop()))).toBe('token_not_dpop_bound');
  });

  it("the DPoP scheme is refused for an issuer with dpop 'off', and when no proof verifier exists", () => {
    expect(code(() => constraints('off').check(principal({ jkt: jkt(key) }), dpop()))).toBe('dpop_not_allowed');
    expect(code(() => constraints('allowed', false).check(principal({ jkt: jkt(key) }), dpop()))).toBe(
      'dpop_not_allowed',
    );
  });
});

describe('SenderConstraints: DPoP-bound tokens (cnf.jkt)', () => {
  it('pass with the DPoP scheme and a valid proof', async () => {
    await expect(constraints().check(principal({ jkt: jkt(key) }), dpop())).resolves.toEqual({ nextNonce: undefined });
  });

  it.each<DpopPolicy>(['allowed', 'required', 'off'])("are refused as Bearer (no downgrade), policy '%s'", (policy) => {
    expect(code(() => constraints(policy).check(principal({ jkt: jkt(key) }), bearer))).toBe(
      'dpop_bound_token_as_bearer',
    );
  });

  it('with the DPoP scheme but no proof: invalid_dpop_proof', async () => {
    await expect(constraints().check(principal({ jkt: jkt(key) }), { scheme: 'dpop' })).rejects.toBeInstanceOf(
      InvalidDpopProofError,
    );
  });
});

describe('SenderConstraints: certificate-bound tokens (cnf["x5t#S256"])', () => {
  const cnf = { 'x5t#S256': 'abc' };
  it('pass with the certificate of that thumbprint', () => {
    expect(constraints().check(principal(cnf), { scheme: 'bearer', clientCertificate: () => 'abc' })).toBeUndefined();
  });

  it('are refused without a certificate, or with another one', () => {
    expect(code(() => constraints().check(principal(cnf), bearer))).toBe('certificate_required');
    expect(
      code(() => constraints().check(principal(cnf), { scheme: 'bearer', clientCertificate: () => undefined })),
    ).toBe('certificate_required');
    expect(code(() => constraints().check(principal(cnf), { scheme: 'bearer', clientCertificate: () => 'abd' }))).toBe(
      'certificate_mismatch',
    );
  });

  it('a token bound both ways needs both the certificate and the proof', async () => {
    const both = principal({ jkt: jkt(key), 'x5t#S256': 'abc' });
    expect(code(() => constraints().check(both, dpop()))).toBe('certificate_required');
    await expect(constraints().check(both, { ...dpop(), clientCertificate: () => 'abc' })).resolves.toBeDefined();
  });
});

describe('SenderConstraints: a cnf that cannot be checked is refused', () => {
  it.each<[string, unknown]>([
    ['cnf.jwk only (RFC 7800)', { jwk: { kty: 'EC' } }],
    ['an empty cnf', {}],
    ['cnf as a string', 'abc'],
    ['cnf as an array', ['abc']],
    ['cnf null', null],
    ['jkt as a number', { jkt: 42 }],
    ['an empty jkt', { jkt: '' }],
    ['x5t#S256 as an object', { 'x5t#S256': {} }],
  ])('%s', (_name, cnf) => {
    expect(code(() => constraints().check(principal(cnf), bearer))).toBe('unsupported_confirmation');
  });
});
