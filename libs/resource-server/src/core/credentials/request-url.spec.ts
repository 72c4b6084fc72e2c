// The URL a DPoP proof's htu is compared with: from the connection, or from a trusted proxy's headers.
import { describe, expect, it } from '@jest/globals';
import { requestUrl } from './request-url.js';

describe('requestUrl', () => {
  it('is http(s)://Host + original path from the connection', () => {
    expect(requestUrl({ headers: { host: 'api.example.com' }, url: '/a?b=1' }, false)).toBe(
      'http://api.example.com/a?b=1',
    );
    expect(
      requestUrl({ headers: { host: 'api.example.com:8443' }, url: '/a', socket: { encrypted: true } }, false),
    ).toBe('https://api.example.com:8443/a');
    expect(requestUrl({ headers: { host: 'h' }, originalUrl: '/mounted/a', url: '/a' }, false)).toBe(
      'http://h/mounted/a',
    );
  });

  it('ignores forwarding headers unless the proxy is trusted', () => {
    const source = {
      headers: {
        host: 'internal:3000',
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'api.example.com',
        forwarded: 'proto=https;host=evil',
      },
      url: '/a',
    };
    expect(requestUrl(source, false)).toBe('http://internal:3000/a');
  });

  it('behind a trusted proxy: Forwarded (first element) wins over X-Forwarded-*', () => {
    const headers = {
      host: 'internal:3000',
      forwarded: 'for=1.2.3.4;proto=https;host="api.example.com", for=5.6.7.8;proto=http;host=x',
      'x-forwarded-host': 'other',
    };
    expect(requestUrl({ headers, url: '/a' }, true)).toBe('https://api.example.com/a');
  });

  it('behind a trusted proxy: X-Forwarded-Proto and X-Forwarded-Host (first values)', () => {
    const headers = {
      host: 'internal:3000',
      'x-forwarded-proto': 'HTTPS, http',
      'x-forwarded-host': 'api.example.com, proxy2',
    };
    expect(requestUrl({ headers, url: '/a' }, true)).toBe('https://api.example.com/a');
    expect(requestUrl({ headers: { host: 'internal:3000' }, url: '/a' }, true)).toBe('http://internal:3000/a');
  });

  it.each([
    ['no Host header', { headers: {}, url: '/a' }, false],
    ['an empty Host header', { headers: { host: '' }, url: '/a' }, false],
    ['a Host with a path', { headers: { host: 'a/b' }, url: '/a' }, false],
    ['a Host with userinfo', { headers: { host: 'u@h' }, url: '/a' }, false],
    ['an absolute-form request target', { headers: { host: 'h' }, url: 'http://x/a' }, false],
    ['no path at all', { headers: { host: 'h' } }, false],
    ['a forwarded proto that is not http(s)', { headers: { host: 'h', 'x-forwarded-proto': 'ftp' }, url: '/a' }, true],
  ])('is undefined for %s', (_name, source, trust) => {
    expect(requestUrl(source, trust)).toBeUndefined();
  });
});
