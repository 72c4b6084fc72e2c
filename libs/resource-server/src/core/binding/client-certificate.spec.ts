// RFC 8705 §3.1: x5t#S256 of the DER certificate, from the TLS socket or a proxy header.
import { describe, expect, it } from '@jest/globals';
import { X509Certificate, createHash } from 'node:crypto';
import { generate } from 'selfsigned';
import { certificateThumbprint, thumbprintFromHeader } from './client-certificate.js';

const pems = await generate([{ name: 'commonName', value: 'client' }], {
  keyType: 'ec',
  curve: 'P-256',
  notAfterDate: new Date(Date.now() + 86_400_000),
});
const der = new X509Certificate(pems.cert).raw;
const expected = createHash('sha256').update(der).digest('base64url');

describe('client certificate thumbprints', () => {
  it('is the base64url SHA-256 of the DER', () => {
    expect(certificateThumbprint(der)).toBe(expected);
  });

  it.each([
    ['PEM', pems.cert],
    ['URL-encoded PEM (nginx $ssl_client_escaped_cert, AWS ALB)', encodeURIComponent(pems.cert)],
    ['bare base64 DER', der.toString('base64')],
    ['PEM on one line', pems.cert.replace(/\n/g, ' ')],
  ])('reads %s from a header', (_name, value) => {
    expect(thumbprintFromHeader(value)).toBe(expected);
  });

  it.each([
    ['nothing', undefined],
    ['an empty value', ''],
    ['junk', 'not a certificate'],
    ['base64 that is not a certificate', Buffer.from('hello').toString('base64')],
    ['broken URL encoding', '%E0%A4%A'],
    ['an oversized value', 'A'.repeat(20_000)],
  ])('ignores %s', (_name, value) => {
    expect(thumbprintFromHeader(value)).toBeUndefined();
  });
});
