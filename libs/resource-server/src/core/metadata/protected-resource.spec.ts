// RFC 9728 §2, §2.2 and §3.1: the document, its signed form, and where it lives.
import { describe, expect, it } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import { verifySignature } from '../jose/algorithms.js';
import { decodeJws } from '../jose/jws.js';
import { metadataUrl, protectedResourceMetadata } from './protected-resource.js';

const config = {
  resource: 'https://api.example.com',
  authorizationServers: ['https://id.example.com'],
  scopesSupported: undefined,
  resourceName: undefined,
  resourceDocumentation: 'https://docs.example.com',
  signing: undefined,
};
const facts = {
  scopes: ['a', 'b'],
  tokenLocations: new Set<'body' | 'query'>(['query']),
  dpopAlgorithms: ['ES256'],
  dpopRequired: false,
};

describe('metadataUrl', () => {
  it.each([
    ['https://api.example.com', 'https://api.example.com/.well-known/oauth-protected-resource'],
    ['https://api.example.com/', 'https://api.example.com/.well-known/oauth-protected-resource'],
    ['https://api.example.com:8443/v1/', 'https://api.example.com:8443/.well-known/oauth-protected-resource/v1'],
  ])('%s -> %s', (resource, url) => {
    expect(metadataUrl(resource)).toBe(url);
  });
});

describe('protectedResourceMetadata', () => {
  it('describes the resource', () => {
    expect(protectedResourceMetadata(config, facts, 0)).toEqual({
      resource: 'https://api.example.com',
      authorization_servers: ['https://id.example.com'],
      scopes_supported: ['a', 'b'],
      bearer_methods_supported: ['header', 'query'],
      tls_client_certificate_bound_access_tokens: true,
      dpop_signing_alg_values_supported: ['ES256'],
      resource_documentation: 'https://docs.example.com',
    });
  });

  it('configured scopes win; DPoP omitted when off; required flagged', () => {
    const doc = protectedResourceMetadata(
      { ...config, scopesSupported: ['x'] },
      { ...facts, dpopAlgorithms: undefined, dpopRequired: true },
      0,
    );
    expect(doc.scopes_supported).toEqual(['x']);
    expect(doc.dpop_signing_alg_values_supported).toBeUndefined();
    expect(doc.dpop_bound_access_tokens_required).toBe(true);
  });

  it.each(['ES256', 'PS256', 'RS256', 'EdDSA'] as const)(
    'signs the metadata (%s) so it verifies with the public key',
    (alg) => {
      const pair =
        alg === 'EdDSA'
          ? generateKeyPairSync('ed25519')
          : alg === 'ES256'
            ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
            : generateKeyPairSync('rsa', { modulusLength: 2048 });
      const doc = protectedResourceMetadata(
        { ...config, signing: { key: pair.privateKey, alg, kid: 'k1' } },
        facts,
        1234,
      );
      const jws = decodeJws(String(doc.signed_metadata), new Set([alg]));
      expect(jws.header).toMatchObject({ alg, kid: 'k1', typ: 'JWT' });
      expect(jws.payload).toMatchObject({
        resource: 'https://api.example.com',
        iss: 'https://api.example.com',
        iat: 1234,
      });
      expect(verifySignature(alg, pair.publicKey, jws.signingInput, jws.signature)).toBe(true);
    },
  );
});
