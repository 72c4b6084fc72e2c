// Reading the credential of an HTTP request on Express- and Fastify-shaped requests.
import { describe, expect, it } from '@jest/globals';
import { InvalidRequestError, MissingTokenError } from '../errors/resource-server.error.js';
import { readHttpCredential, type HttpCredentialSettings, type HttpRequestLike } from './http-credential.js';

const settings: HttpCredentialSettings = {
  locations: new Set(),
  schemes: new Set(['bearer', 'dpop']),
  trustProxy: false,
  clientCertificateHeader: undefined,
};

describe('readHttpCredential', () => {
  it('a Bearer token: no DPoP part; the certificate read lazily from the socket', () => {
    let asked = 0;
    const socket = { getPeerCertificate: () => (asked++, { raw: Buffer.from('cert') }) };
    const credential = readHttpCredential(
      { headers: { authorization: 'Bearer abc' }, socket } as HttpRequestLike,
      settings,
    );
    expect(credential).toMatchObject({ token: 'abc', scheme: 'bearer' });
    expect(credential.dpop).toBeUndefined();
    expect(asked).toBe(0);
    expect(credential.clientCertificate?.()).toBe('BimEMugGayniIjvMI6qVBLVq5Qj6vzQ1UIhpucMZDiI');
  });

  it('a DPoP token: every DPoP header value, the method and the URL', () => {
    const request = {
      headers: { authorization: 'DPoP abc', dpop: 'p1, p2', host: 'h' },
      method: 'GET',
      url: '/x?y',
    } as HttpRequestLike;
    expect(readHttpCredential(request, settings)).toMatchObject({
      token: 'abc',
      scheme: 'dpop',
      dpop: { proofs: ['p1', 'p2'], method: 'GET', url: 'http://h/x?y' },
    });
  });

  it('a Fastify request: raw header list under raw, socket under raw', () => {
    const request = {
      headers: { authorization: 'Bearer abc' },
      raw: {
        rawHeaders: ['Authorization', 'Bearer abc', 'Authorization', 'Bearer def'],
        socket: { getPeerCertificate: () => ({}) },
      },
    } as unknown as HttpRequestLike;
    expect(() => readHttpCredential(request, settings)).toThrow(InvalidRequestError);
    const single = {
      headers: { authorization: 'Bearer abc' },
      raw: { rawHeaders: ['Authorization', 'Bearer abc'], socket: { getPeerCertificate: () => ({}) } },
    } as unknown as HttpRequestLike;
    expect(readHttpCredential(single, settings).clientCertificate?.()).toBeUndefined();
  });

  it('a Bearer token when every issuer requires DPoP: invalid_token dpop_required, not a missing token', () => {
    expect(() =>
      readHttpCredential({ headers: { authorization: 'Bearer abc' } } as HttpRequestLike, {
        ...settings,
        schemes: new Set(['dpop']),
      }),
    ).toThrow(expect.objectContaining({ code: 'dpop_required' }) as unknown as Error);
  });

  it('the DPoP scheme is not read when no issuer accepts it', () => {
    expect(() =>
      readHttpCredential({ headers: { authorization: 'DPoP abc' } } as HttpRequestLike, {
        ...settings,
        schemes: new Set(['bearer']),
      }),
    ).toThrow(MissingTokenError);
  });

  it('with a certificate header configured, only the header is read (a repeated header is none)', () => {
    const socket = { getPeerCertificate: () => ({ raw: Buffer.from('cert') }) };
    const request = {
      headers: { authorization: 'Bearer abc', 'x-cert': ['a', 'b'] },
      socket,
    } as unknown as HttpRequestLike;
    expect(
      readHttpCredential(request, { ...settings, clientCertificateHeader: 'x-cert' }).clientCertificate?.(),
    ).toBeUndefined();
  });
});
