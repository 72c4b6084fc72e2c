import { describe, expect, it } from '@jest/globals';
import type { ExecutionContext } from '@nestjs/common';
import type { VerifiedPrincipal } from '../core/claims/principal.js';
import { cachedAcceptance, type Telemetry, type VerificationRecord } from '../core/telemetry/telemetry.js';
import { InvalidTokenError } from '../errors/resource-server.error.js';
import { PipelineObserver } from './pipeline-observer.js';
import type { Refusal } from './refusal.js';

const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const jwt = (payload: unknown) => `${b64({ alg: 'RS256' })}.${b64(payload)}.sig`;

function rpcContext(): ExecutionContext {
  class Jobs {
    handle() {}
  }
  return {
    getType: () => 'rpc',
    getClass: () => Jobs,
    getHandler: () => Jobs.prototype.handle,
  } as unknown as ExecutionContext;
}

function recorder() {
  const records: VerificationRecord[] = [];
  const lookups: [string, boolean][] = [];
  const telemetry: Telemetry = {
    enabled: true,
    verification: (r) => void records.push(r),
    outbound: (_k, _i, call) => call(),
    cacheLookup: (cache, hit) => void lookups.push([cache, hit]),
    // As documented on the interface: a cached JWT's verification and its cache hit, in one call.
    acceptedFromCache: (issuer) => {
      lookups.push(['verified_token', true]);
      records.push(cachedAcceptance(issuer));
    },
  };
  return { telemetry, records, lookups };
}

describe('PipelineObserver', () => {
  const configured = (iss: string) => iss === 'https://id.example.com';

  it('names only a configured issuer, read from a JWT that may not even parse', () => {
    const refusals: Refusal[] = [];
    const observer = new PipelineObserver(undefined, (r) => void refusals.push(r), configured);
    const error = new InvalidTokenError('bad_signature');
    for (const token of [
      jwt({ iss: 'https://id.example.com' }),
      jwt({ iss: 'https://evil.example' }),
      `a.${b64('not json')}.c`,
      'opaque',
      `a.${'x'.repeat(20_000)}.c`,
      `a..c`,
    ]) {
      observer.refused(error, error, token, rpcContext(), 'rpc');
    }
    expect(refusals.map((r) => r.issuer)).toEqual([
      'https://id.example.com',
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(refusals[0]).toEqual({
      code: 'bad_signature',
      status: 401,
      bearerError: 'invalid_token',
      issuer: 'https://id.example.com',
      transport: 'rpc',
      route: 'Jobs.handle',
    });
  });

  it('records accepted and refused calls with their format, cache use and duration', () => {
    const { telemetry, records, lookups } = recorder();
    const observer = new PipelineObserver(telemetry, undefined, configured);
    const principal = { issuer: 'https://id.example.com', tokenFormat: 'jwt' } as VerifiedPrincipal;
    observer.accepted(principal);
    observer.accepted(principal, performance.now());
    observer.accepted({ ...principal, tokenFormat: 'opaque' }, performance.now());
    const error = new InvalidTokenError('expired');
    observer.refused(error, error, 'opaque-token', rpcContext(), 'rpc', performance.now());
    observer.refused(error, error, undefined, rpcContext(), 'rpc');
    expect(records.map((r) => [r.outcome, r.tokenFormat, r.cached, r.durationMs === undefined])).toEqual([
      ['accepted', 'jwt', true, true],
      ['accepted', 'jwt', false, false],
      ['accepted', 'opaque', false, false],
      ['refused', 'opaque', false, false],
      ['refused', 'none', false, true],
    ]);
    expect(lookups).toEqual([
      ['verified_token', true],
      ['verified_token', false],
    ]);
  });

  it('does nothing at all when telemetry is off and there is no hook', () => {
    const observer = new PipelineObserver();
    expect(observer.timed).toBe(false);
    const error = new InvalidTokenError('expired');
    expect(() => observer.refused(error, error, 'x', rpcContext(), 'rpc')).not.toThrow();
    expect(() => observer.accepted({ issuer: 'i', tokenFormat: 'jwt' } as VerifiedPrincipal)).not.toThrow();
  });
});
