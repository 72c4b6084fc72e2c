// RFC 8705 §3.1: the `x5t#S256` confirmation method is the base64url SHA-256 of the DER-encoded
// client certificate the token is bound to.
import { X509Certificate, createHash } from 'node:crypto';

const MAX_HEADER_LENGTH = 16_384;

/** The RFC 8705 `x5t#S256` thumbprint of a DER certificate. */
export function certificateThumbprint(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('base64url');
}

/**
 * The thumbprint of a certificate forwarded by a TLS-terminating proxy in a header: PEM (also
 * URL-encoded, as nginx's `$ssl_client_escaped_cert` and AWS ALB send it) or bare base64 DER.
 * Undefined when the value is not a certificate.
 */
export function thumbprintFromHeader(value: string | undefined): string | undefined {
  if (value === undefined || value === '' || value.length > MAX_HEADER_LENGTH) return undefined;
  let text = value;
  if (text.includes('%')) {
    try {
      text = decodeURIComponent(text);
    } catch {
      return undefined;
    }
  }
  const body = text.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body)) return undefined;
  try {
    // Parsing proves it is one well-formed certificate; its DER is what the thumbprint covers.
    return certificateThumbprint(new X509Certificate(Buffer.from(body, 'base64')).raw);
  } catch {
    return undefined;
  }
}
