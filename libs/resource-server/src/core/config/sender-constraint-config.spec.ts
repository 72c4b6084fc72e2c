// Options of DPoP, mTLS and RFC 9728: defaults, and every problem reported with what to set.
import { describe, expect, it } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import type { ResourceServerModuleOptions } from '../../resource-server-options.interface.js';
import { ResourceServerConfigError, resolveConfig } from './config.js';

const base: ResourceServerModuleOptions = { issuer: 'https://id.example.com/', audience: 'https://api.example.com' };

function problems(options: Partial<ResourceServerModuleOptions>): string {
  try {
    resolveConfig({ ...base, ...options } as ResourceServerModuleOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(ResourceServerConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a configuration error');
}

describe('sender-constrained token options', () => {
  it('defaults: DPoP allowed, 60 s proofs, 5 s skew, in-memory replay store of 100 000, no nonces, no proxy, no metadata', () => {
    const config = resolveConfig(base);
    expect(config.issuers[0]!.dpop).toBe('allowed');
    expect(config.senderConstraints).toMatchObject({
      dpopMaxAgeMs: 60_000,
      dpopClockToleranceMs: 5_000,
      replayStore: undefined,
      replayCacheMaxEntries: 100_000,
      nonce: undefined,
      trustProxy: false,
      clientCertificateHeader: undefined,
    });
    expect(config.senderConstraints.dpopAlgorithms.has('ES256')).toBe(true);
    expect(config.resourceMetadata).toBeUndefined();
  });

  it('per-issuer dpop policy, overriding the default', () => {
    const config = resolveConfig({
      dpop: 'required',
      issuers: [
        { issuer: 'https://a.example.com', audience: 'x' },
        { issuer: 'https://b.example.com', audience: 'x', dpop: 'off' },
      ],
    });
    expect(config.issuers.map((i) => i.dpop)).toEqual(['required', 'off']);
  });

  it('nonces: true, or a secret and rotation', () => {
    expect(resolveConfig({ ...base, dpopProof: { nonce: true } }).senderConstraints.nonce).toEqual({
      secret: undefined,
      rotationMs: 300_000,
    });
    expect(
      resolveConfig({ ...base, dpopProof: { nonce: { secret: 'x'.repeat(16), rotationSeconds: 30 } } })
        .senderConstraints.nonce,
    ).toEqual({ secret: 'x'.repeat(16), rotationMs: 30_000 });
  });

  it.each<[string, Partial<ResourceServerModuleOptions>, RegExp]>([
    ['an unknown dpop policy', { dpop: 'sometimes' as never }, /`dpop` must be 'off', 'allowed' or 'required'/],
    ['HS256 for proofs', { dpopProof: { algorithms: ['HS256' as never] } }, /dpopProof.algorithms` contains "HS256"/],
    ['an empty algorithm list', { dpopProof: { algorithms: [] } }, /dpopProof.algorithms` must be a non-empty/],
    ['a zero max age', { dpopProof: { maxAgeSeconds: 0 } }, /dpopProof.maxAgeSeconds/],
    ['a replay store without setIfAbsent', { dpopProof: { replayStore: {} as never } }, /setIfAbsent/],
    ['a short nonce secret', { dpopProof: { nonce: { secret: 'short' } } }, /nonce.secret/],
    ['a nonce that is not an object', { dpopProof: { nonce: 'yes' as never } }, /dpopProof.nonce` must be/],
    ['a header name with a space', { clientCertificateHeader: 'x ssl' }, /clientCertificateHeader/],
    [
      'a metadata resource that is not a URL',
      { resourceMetadata: { resource: 'orders-api' } },
      /resourceMetadata.resource/,
    ],
    [
      'a metadata resource with a query',
      { resourceMetadata: { resource: 'https://api.example.com/?v=1' } },
      /no query or fragment/,
    ],
    [
      'a metadata signing key that is public',
      {
        resourceMetadata: {
          resource: 'https://api.example.com',
          signing: { key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey, alg: 'ES256' },
        },
      },
      /signing.key/,
    ],
    [
      'a metadata signing alg HS256',
      { resourceMetadata: { resource: 'https://api.example.com', signing: { key: 'x', alg: 'HS256' as never } } },
      /signing.alg/,
    ],
  ])('refuses %s', (_name, options, message) => {
    expect(problems(options)).toMatch(message);
  });

  it('resource metadata: the configured issuers are the authorization servers by default', () => {
    const config = resolveConfig({ ...base, resourceMetadata: { resource: 'https://api.example.com' } });
    expect(config.resourceMetadata).toMatchObject({
      resource: 'https://api.example.com',
      authorizationServers: ['https://id.example.com/'],
      scopesSupported: undefined,
    });
  });

  it('a PEM signing key is imported', () => {
    const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString();
    const config = resolveConfig({
      ...base,
      resourceMetadata: { resource: 'https://api.example.com', signing: { key: pem, alg: 'ES256', kid: 'k1' } },
    });
    expect(config.resourceMetadata?.signing?.key.type).toBe('private');
  });
});
