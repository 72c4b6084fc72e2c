/**
 * Tests of the e2e helpers themselves: if a helper silently produced a broken signature or a
 * well-behaved issuer where a faulty one was asked for, the security suites would pass for the
 * wrong reason.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { createHmac, createPublicKey, verify, constants } from 'node:crypto';
import { ALL_TEST_ALGS, generateTestKey, type TestAlg } from './keys.js';
import {
  b64url,
  decodeJwt,
  hmacTokenWithPublicKey,
  mintAccessToken,
  nonCanonicalSpellings,
  nowSeconds,
  signJwt,
  signRawJws,
  tamperPayload,
  unsignedToken,
} from './tokens.js';
import { startLocalIssuer, type LocalIssuer } from './issuer-server.js';
import { expectChallenge, parseChallenge, parseChallenges } from './challenge.js';

const HASH: Record<string, string> = { '256': 'sha256', '384': 'sha384', '512': 'sha512' };

/** Independent verification with node:crypto, using the key rebuilt from the *published* JWK. */
function verifyWithJwk(token: string, jwk: object, alg: TestAlg): boolean {
  const [h, p, s] = token.split('.') as [string, string, string];
  const data = Buffer.from(`${h}.${p}`);
  const sig = Buffer.from(s, 'base64url');
  const key = createPublicKey({ key: jwk as never, format: 'jwk' });
  if (alg === 'EdDSA') return verify(null, data, key, sig);
  const hash = HASH[alg.slice(2)]!;
  if (alg.startsWith('RS')) return verify(hash, data, { key, padding: constants.RSA_PKCS1_PADDING }, sig);
  if (alg.startsWith('PS')) {
    // Explicit salt length = hash length, rather than auto-detection, to pin RFC 7518 §3.5.
    const saltLength = Number(alg.slice(2)) / 8;
    return verify(hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength }, sig);
  }
  return verify(hash, data, { key, dsaEncoding: 'ieee-p1363' }, sig);
}

const servers: LocalIssuer[] = [];
async function issuerFor(...args: Parameters<typeof startLocalIssuer>): Promise<LocalIssuer> {
  const server = await startLocalIssuer(...args);
  servers.push(server);
  return server;
}
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

describe('keys', () => {
  it('publishes kid, alg and use=sig by default, and no private members', () => {
    const key = generateTestKey('ES256', { kid: 'k1' });
    expect(key.publicJwk).toMatchObject({ kty: 'EC', crv: 'P-256', kid: 'k1', alg: 'ES256', use: 'sig' });
    expect(key.publicJwk.d).toBeUndefined();
  });

  it('uses the right curve / key type per alg', () => {
    expect(generateTestKey('ES384').publicJwk.crv).toBe('P-384');
    expect(generateTestKey('ES512').publicJwk.crv).toBe('P-521');
    expect(generateTestKey('EdDSA').publicJwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519' });
    expect(generateTestKey('PS256').publicJwk.kty).toBe('RSA');
  });

  it('honours omitAlg, use "" (omit) and a custom use', () => {
    const bare = generateTestKey('RS256', { omitAlg: true, use: '' });
    expect('alg' in bare.publicJwk).toBe(false);
    expect('use' in bare.publicJwk).toBe(false);
    expect(generateTestKey('EdDSA', { use: 'enc' }).publicJwk.use).toBe('enc');
  });

  it('generates 2048-bit RSA by default and 1024-bit on request', () => {
    const modulusBits = (n: unknown): number => Buffer.from(String(n), 'base64url').length * 8;
    expect(modulusBits(generateTestKey('RS256').publicJwk.n)).toBe(2048);
    expect(modulusBits(generateTestKey('RS256', { modulusLength: 1024 }).publicJwk.n)).toBe(1024);
    expect(() => generateTestKey('ES256', { modulusLength: 1024 })).toThrow(/RSA/);
  });

  it('gives distinct keys distinct default kids', () => {
    expect(generateTestKey('EdDSA').kid).not.toBe(generateTestKey('EdDSA').kid);
  });
});

describe('tokens', () => {
  it.each(ALL_TEST_ALGS)('%s: signature verifies with node:crypto against the published JWK', (alg) => {
    const key = generateTestKey(alg);
    const token = signJwt(key, { sub: 'abc' });
    expect(decodeJwt(token)).toEqual({ header: { alg, kid: key.kid }, payload: { sub: 'abc' } });
    expect(verifyWithJwk(token, key.publicJwk, alg)).toBe(true);
    // And a different key of the same type must not verify it (the check above is not vacuous).
    expect(verifyWithJwk(token, generateTestKey(alg).publicJwk, alg)).toBe(false);
  });

  it.each([
    ['ES256', 64],
    ['ES384', 96],
    ['ES512', 132],
  ] as const)('%s signature is raw r||s of %i bytes, not DER', (alg, length) => {
    const token = signJwt(generateTestKey(alg), { a: 1 });
    const sig = Buffer.from(token.split('.')[2]!, 'base64url');
    expect(sig.length).toBe(length);
  });

  it('lets the header override or remove alg/kid and add fields', () => {
    const key = generateTestKey('ES256', { kid: 'k' });
    const token = signJwt(key, {}, { alg: 'ES384', kid: undefined, typ: 'at+jwt' });
    expect(decodeJwt(token).header).toEqual({ alg: 'ES384', typ: 'at+jwt' });
    // Still signed with the key's real algorithm.
    expect(verifyWithJwk(token, key.publicJwk, 'ES256')).toBe(true);
  });

  it('mints an access token with defaults, overrides and removals', () => {
    const key = generateTestKey('RS256');
    const before = nowSeconds();
    const token = mintAccessToken(key, { iss: 'https://i', aud: ['a', 'b'], scope: 'x y', exp: undefined });
    const { payload } = decodeJwt(token);
    expect(payload).toMatchObject({
      iss: 'https://i',
      aud: ['a', 'b'],
      sub: 'test-user',
      scope: 'x y',
      client_id: 'test-client',
    });
    expect('exp' in payload).toBe(false);
    expect(payload.iat).toBeGreaterThanOrEqual(before);
    expect(typeof payload.jti).toBe('string');
    const withExp = decodeJwt(mintAccessToken(key, { iss: 'i', aud: 'a' })).payload;
    expect(withExp.exp).toBe((withExp.iat as number) + 300);
    expect(verifyWithJwk(token, key.publicJwk, 'RS256')).toBe(true);
  });

  it('gives every minted token its own jti', () => {
    const key = generateTestKey('EdDSA');
    const jti = () => decodeJwt(mintAccessToken(key, { iss: 'i', aud: 'a' })).payload.jti;
    expect(jti()).not.toBe(jti());
  });

  it('tamperPayload changes the claims but breaks the signature', () => {
    const key = generateTestKey('PS256');
    const token = mintAccessToken(key, { iss: 'i', aud: 'a' });
    const forged = tamperPayload(token, { sub: 'admin', scope: undefined });
    expect(decodeJwt(forged).payload.sub).toBe('admin');
    expect('scope' in decodeJwt(forged).payload).toBe(false);
    expect(forged.split('.')[2]).toBe(token.split('.')[2]);
    expect(verifyWithJwk(token, key.publicJwk, 'PS256')).toBe(true);
    expect(verifyWithJwk(forged, key.publicJwk, 'PS256')).toBe(false);
  });

  it('unsignedToken has alg none and an empty signature segment', () => {
    const token = unsignedToken({ sub: 'x' });
    expect(token.endsWith('.')).toBe(true);
    expect(token.split('.')).toHaveLength(3);
    expect(decodeJwt(token).header).toEqual({ alg: 'none' });
  });

  it('hmacTokenWithPublicKey is an HMAC keyed with the public PEM', () => {
    const key = generateTestKey('RS256', { kid: 'rsa-1' });
    const token = hmacTokenWithPublicKey(key, { sub: 'x' }, 'HS384');
    const [h, p, s] = token.split('.') as [string, string, string];
    expect(decodeJwt(token).header).toEqual({ alg: 'HS384', kid: 'rsa-1' });
    const pem = key.publicKey.export({ type: 'spki', format: 'pem' });
    expect(s).toBe(b64url(createHmac('sha384', pem).update(`${h}.${p}`).digest()));
  });

  it('b64url has no padding and uses the URL alphabet', () => {
    expect(b64url(Buffer.from([0xfb, 0xff]))).toBe('-_8');
    expect(b64url('é')).toBe('w6k');
  });

  it('signRawJws signs the header and payload bytes verbatim', () => {
    const key = generateTestKey('ES256');
    const token = signRawJws(key, '{"alg":"ES256","alg":"ES256"}', Buffer.from([0x7b, 0xff, 0x7d]));
    const [h, p] = token.split('.') as [string, string, string];
    expect(Buffer.from(h, 'base64url').toString()).toBe('{"alg":"ES256","alg":"ES256"}');
    expect([...Buffer.from(p, 'base64url')]).toEqual([0x7b, 0xff, 0x7d]);
    expect(verifyWithJwk(token, key.publicJwk, 'ES256')).toBe(true);
  });

  it.each([
    ['a length of 2 (mod 4)', b64url('A'), 15],
    ['a length of 3 (mod 4)', b64url('AB'), 3],
    ['a length of 0 (mod 4)', b64url('ABC'), 0],
  ])(
    'nonCanonicalSpellings of a segment with %s: distinct strings Buffer decodes to the same bytes',
    (_name, segment, n) => {
      const spellings = nonCanonicalSpellings(segment);
      expect(new Set([segment, ...spellings]).size).toBe(n + 1);
      for (const spelling of spellings)
        expect(Buffer.from(spelling, 'base64url')).toEqual(Buffer.from(segment, 'base64url'));
    },
  );
});

describe('local issuer', () => {
  it('serves OIDC discovery and the JWKS, and counts requests', async () => {
    const key = generateTestKey('ES256');
    const iss = await issuerFor({ keys: [key], path: '/tenant-a', extraMetadata: { foo: 'bar' } });
    expect(iss.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/tenant-a$/);
    const res = await fetch(`${iss.issuer}/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Record<string, unknown>;
    expect(doc).toMatchObject({
      issuer: iss.issuer,
      jwks_uri: iss.jwksUri,
      userinfo_endpoint: `${iss.issuer}/userinfo`,
      introspection_endpoint: `${iss.issuer}/introspect`,
      foo: 'bar',
    });
    const jwks = await fetch(iss.jwksUri);
    expect(jwks.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await jwks.json()).toEqual({ keys: [key.publicJwk] });
    expect((await fetch(`${iss.issuer}/elsewhere`)).status).toBe(404);
    expect(iss.counts).toEqual({ discovery: 1, jwks: 1, userinfo: 0, introspection: 0, other: 1 });
    iss.resetCounts();
    expect(iss.counts.discovery).toBe(0);
  });

  it('serves RFC 8414 metadata at the path-inserted location only in oauth mode', async () => {
    const iss = await issuerFor({ discovery: 'oauth', path: '/t1' });
    const origin = new URL(iss.issuer).origin;
    const res = await fetch(`${origin}/.well-known/oauth-authorization-server/t1`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as Record<string, unknown>).issuer).toBe(iss.issuer);
    expect((await fetch(`${iss.issuer}/.well-known/openid-configuration`)).status).toBe(404);
    expect(iss.counts.discovery).toBe(2);
  });

  it('serves no discovery document in none mode', async () => {
    const iss = await issuerFor({ discovery: 'none' });
    expect((await fetch(`${iss.issuer}/.well-known/openid-configuration`)).status).toBe(404);
    expect((await fetch(`${iss.issuer}/.well-known/oauth-authorization-server`)).status).toBe(404);
  });

  it('rotates keys, publishes arbitrary JWKS and patches metadata', async () => {
    const [k1, k2] = [generateTestKey('EdDSA'), generateTestKey('EdDSA')];
    const iss = await issuerFor({ keys: [k1] });
    iss.setKeys([k2]);
    expect(await (await fetch(iss.jwksUri)).json()).toEqual({ keys: [k2.publicJwk] });
    iss.setJwks({ keys: [{ kty: 'oct', k: 'c2VjcmV0' }] });
    expect(await (await fetch(iss.jwksUri)).json()).toEqual({ keys: [{ kty: 'oct', k: 'c2VjcmV0' }] });
    iss.setMetadata({ issuer: 'https://evil.example', userinfo_endpoint: undefined });
    const doc = (await (await fetch(`${iss.issuer}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    expect(doc.issuer).toBe('https://evil.example');
    expect('userinfo_endpoint' in doc).toBe(false);
    expect(doc.jwks_uri).toBe(iss.jwksUri);
  });

  it('produces each fault and recovers with ok', async () => {
    const iss = await issuerFor({ keys: [generateTestKey('ES256')] });
    const discovery = `${iss.issuer}/.well-known/openid-configuration`;

    iss.setFault('jwks', 'status500');
    const r500 = await fetch(iss.jwksUri);
    expect(r500.status).toBe(500);
    expect(await r500.json()).toHaveProperty('error');
    // The other target is unaffected.
    expect((await fetch(discovery)).status).toBe(200);

    iss.setFault('all', 'garbage');
    const garbage = await fetch(discovery);
    expect(garbage.status).toBe(200);
    const garbageText = await garbage.text();
    expect(garbageText).toBe('not json{');
    // Checked by message: fetch's SyntaxError comes from another realm than Jest's vm context.
    expect(() => JSON.parse(garbageText)).toThrow(/JSON/);

    iss.setFault('jwks', 'html');
    const html = await fetch(iss.jwksUri);
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await html.text()).toMatch(/<html/);

    iss.setFault('discovery', 'notFound');
    expect((await fetch(discovery)).status).toBe(404);

    iss.setFault('jwks', 'reset');
    await expect(fetch(iss.jwksUri)).rejects.toThrow();

    iss.setFault('all', 'ok');
    expect((await fetch(iss.jwksUri)).status).toBe(200);
    expect(iss.counts.jwks).toBe(4); // 500, html, reset (counted before the drop), ok
    expect(iss.counts.discovery).toBe(3);
  });

  it('slow answers normally after the delay', async () => {
    const iss = await issuerFor({ keys: [generateTestKey('ES256')] });
    iss.setFault('jwks', 'slow', { delayMs: 300 });
    const started = Date.now();
    const res = await fetch(iss.jwksUri);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { keys: unknown[] }).keys).toHaveLength(1);
  });

  it('close() does not wait for a pending slow answer', async () => {
    const iss = await startLocalIssuer({});
    iss.setFault('jwks', 'slow'); // default 10 s, longer than we are willing to wait
    const pending = fetch(iss.jwksUri);
    pending.catch(() => undefined); // observed below; avoid an unhandled rejection meanwhile
    while (iss.counts.jwks === 0) await new Promise((r) => setTimeout(r, 5));
    const started = Date.now();
    await iss.close();
    await expect(pending).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(2000);
    await iss.close(); // idempotent
  });

  it('serves custom routes relative to the issuer path and counts them', async () => {
    const iss = await issuerFor({ path: '/t' });
    iss.route('POST', '/introspect', (_req, res, body) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ active: true, echoed: body }));
    });
    const res = await fetch(`${iss.issuer}/introspect`, { method: 'POST', body: 'token=abc' });
    expect(await res.json()).toEqual({ active: true, echoed: 'token=abc' });
    expect((await fetch(`${iss.issuer}/userinfo`)).status).toBe(404);
    expect(iss.counts).toMatchObject({ introspection: 1, userinfo: 1 });
  });
});

describe('challenge', () => {
  it('parses an RFC 6750 challenge', () => {
    expect(parseChallenge('Bearer realm="api", error="invalid_token", error_description="The token expired"')).toEqual({
      scheme: 'Bearer',
      params: { realm: 'api', error: 'invalid_token', error_description: 'The token expired' },
    });
  });

  it('unescapes quoted-pairs and accepts token values and odd spacing', () => {
    expect(parseChallenge('Bearer error_description="say \\"hi\\" \\\\ ok",ERROR = invalid_request').params).toEqual({
      error_description: 'say "hi" \\ ok',
      error: 'invalid_request',
    });
    expect(parseChallenge('Bearer realm="a, b=c"').params).toEqual({ realm: 'a, b=c' });
    expect(parseChallenge('Bearer')).toEqual({ scheme: 'Bearer', params: {} });
  });

  it('splits several challenges', () => {
    expect(parseChallenges('Basic realm="x", Bearer, DPoP algs="ES256"').map((c) => c.scheme)).toEqual([
      'Basic',
      'Bearer',
      'DPoP',
    ]);
  });

  it.each([
    'Bearer realm="api" error="x"',
    'Bearer realm="api',
    'Bearer realm="a", realm="b"',
    'Bearer abc',
    'Bearer realm=',
  ])('rejects malformed %s', (header) => {
    expect(() => parseChallenge(header)).toThrow(/Malformed/);
  });

  const ok = (status: number, header: string | undefined, body: object = {}) => ({
    status,
    headers: header === undefined ? {} : { 'www-authenticate': header },
    body: { statusCode: status, error: 'Unauthorized', message: 'nope', ...body },
  });

  it('accepts a matching answer', () => {
    expectChallenge(ok(401, 'Bearer realm="api"'), { status: 401, realm: 'api' });
    expectChallenge(ok(403, 'Bearer error="insufficient_scope", scope="a b"'), {
      status: 403,
      error: 'insufficient_scope',
      scope: 'a b',
    });
    expectChallenge(ok(503, undefined), { status: 503 });
  });

  it.each([
    ['wrong status', ok(400, 'Bearer'), { status: 401 }],
    ['no challenge on 401', ok(401, undefined), { status: 401 }],
    ['non-Bearer', ok(401, 'Basic realm="x"'), { status: 401 }],
    ['error on a bare challenge', ok(401, 'Bearer error="invalid_token"'), { status: 401 }],
    ['description on a bare challenge', ok(401, 'Bearer error_description="x"'), { status: 401 }],
    ['wrong error', ok(401, 'Bearer error="invalid_request"'), { status: 401, error: 'invalid_token' }],
    [
      'wrong scope',
      ok(403, 'Bearer error="insufficient_scope", scope="a"'),
      { status: 403, error: 'insufficient_scope', scope: 'b' },
    ],
    ['wrong realm', ok(401, 'Bearer realm="x"'), { status: 401, realm: 'y' }],
    ['5xx blaming the token', ok(503, 'Bearer error="invalid_token"'), { status: 503 }],
    ['statusCode mismatch', ok(401, 'Bearer', { statusCode: 500 }), { status: 401 }],
    ['message not a string', ok(401, 'Bearer', { message: ['a'] }), { status: 401 }],
    ['echoed token', ok(401, 'Bearer', { message: 'bad token eyJhbGciOi' }), { status: 401 }],
    ['stack trace', ok(401, 'Bearer', { message: 'Error\n    at foo (/app/x.js:1:2)' }), { status: 401 }],
  ] as const)('rejects: %s', (_name, res, expected) => {
    expect(() => expectChallenge(res, expected)).toThrow();
  });

  it('falls back to the text when body was not parsed', () => {
    const text = JSON.stringify({ statusCode: 401, error: 'Unauthorized', message: 'x' });
    expectChallenge({ status: 401, headers: { 'WWW-Authenticate': 'Bearer' }, body: {}, text }, { status: 401 });
    expect(() =>
      expectChallenge(
        { status: 401, headers: { 'www-authenticate': 'Bearer' }, body: {}, text: 'oops' },
        { status: 401 },
      ),
    ).toThrow();
  });
});
