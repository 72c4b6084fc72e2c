// RFC 6750 §3 + RFC 9449 §7.1 + RFC 9728 §5.1: which challenges, and which carries the error.
import { describe, expect, it } from '@jest/globals';
import { parseChallenges } from '../../../../test/helpers/challenge.js';
import {
  InsufficientScopeError,
  InvalidDpopProofError,
  InvalidTokenError,
  MissingTokenError,
  UpstreamError,
  UseDpopNonceError,
} from './resource-server.error.js';
import { challengeHeaders, type ChallengeSettings } from './scheme-challenges.js';

const both: ChallengeSettings = {
  realm: 'api',
  bearer: true,
  dpop: true,
  dpopAlgorithms: ['ES256', 'EdDSA'],
  resourceMetadata: undefined,
};

function challenges(
  settings: ChallengeSettings,
  error: Parameters<typeof challengeHeaders>[1],
  scheme: 'bearer' | 'dpop',
) {
  const [[name, value]] = challengeHeaders(settings, error, scheme) as [[string, string]];
  expect(name).toBe('WWW-Authenticate');
  return parseChallenges(value).map((c): Record<string, string | undefined> => ({ scheme: c.scheme, ...c.params }));
}

describe('challengeHeaders', () => {
  it('a missing token: a bare Bearer and a bare DPoP challenge listing algs', () => {
    expect(challenges(both, new MissingTokenError(), 'bearer')).toEqual([
      { scheme: 'Bearer', realm: 'api' },
      { scheme: 'DPoP', realm: 'api', algs: 'ES256 EdDSA' },
    ]);
  });

  it('an invalid token goes into the challenge of the scheme the request used', () => {
    const error = new InvalidTokenError('expired');
    expect(challenges(both, error, 'bearer').map((c) => [c.scheme, c.error])).toEqual([
      ['Bearer', 'invalid_token'],
      ['DPoP', undefined],
    ]);
    expect(challenges(both, error, 'dpop').map((c) => [c.scheme, c.error])).toEqual([
      ['Bearer', undefined],
      ['DPoP', 'invalid_token'],
    ]);
  });

  it('a proof error always goes into the DPoP challenge', () => {
    expect(challenges(both, new InvalidDpopProofError('dpop_proof_replayed'), 'bearer')[1]).toMatchObject({
      scheme: 'DPoP',
      error: 'invalid_dpop_proof',
      error_description: 'The DPoP proof was already used',
    });
  });

  it('use_dpop_nonce comes with the DPoP-Nonce header', () => {
    const headers = challengeHeaders(both, new UseDpopNonceError('n0nce'), 'dpop');
    expect(headers[1]).toEqual(['DPoP-Nonce', 'n0nce']);
    expect(parseChallenges(headers[0]![1])[1]!.params.error).toBe('use_dpop_nonce');
  });

  it('insufficient_scope names the scope in the challenge the request used', () => {
    expect(challenges(both, new InsufficientScopeError(['a', 'b']), 'dpop')[1]).toMatchObject({
      error: 'insufficient_scope',
      scope: 'a b',
    });
  });

  it('only accepted schemes are offered: DPoP only, Bearer only', () => {
    const dpopOnly = { ...both, bearer: false };
    expect(challenges(dpopOnly, new InvalidTokenError('dpop_required'), 'bearer')).toEqual([
      {
        scheme: 'DPoP',
        realm: 'api',
        algs: 'ES256 EdDSA',
        error: 'invalid_token',
        error_description: 'This resource requires a DPoP-bound access token',
      },
    ]);
    const bearerOnly = { ...both, dpop: false };
    expect(challenges(bearerOnly, new InvalidTokenError('expired'), 'dpop').map((c) => [c.scheme, c.error])).toEqual([
      ['Bearer', 'invalid_token'],
    ]);
  });

  it('names the RFC 9728 metadata in every challenge when served', () => {
    const url = 'https://api.example.com/.well-known/oauth-protected-resource';
    expect(
      challenges({ ...both, resourceMetadata: url }, new MissingTokenError(), 'bearer').map((c) => c.resource_metadata),
    ).toEqual([url, url]);
  });

  it('an outage keeps Retry-After and blames no token', () => {
    const headers = challengeHeaders(
      both,
      new UpstreamError('keys_unavailable', 503, { retryAfterSeconds: 5 }),
      'dpop',
    );
    expect(headers[1]).toEqual(['Retry-After', '5']);
    expect(parseChallenges(headers[0]![1]).every((c) => c.params.error === undefined)).toBe(true);
  });
});
