// node bench/canonical-tokens.mjs (after `npm run build`; pin it: taskset -c 1 node ...): what the
// canonical-token rules of core/jose cost (strict base64url, fatal UTF-8, no duplicate member names),
// next to a full fresh RS256 verification (AccessTokenVerifier, verified-token cache off).
// Every measurement runs in ROUNDS short slices, interleaved, and the median is printed: this
// machine's speed drifts by tens of percent within a minute. See docs/architecture.md, "Canonical tokens".
import { resolveConfig } from '../libs/resource-server/dist/core/config/config.js';
import { AccessTokenVerifier } from '../libs/resource-server/dist/core/verifier/access-token-verifier.js';
import { decodeJws } from '../libs/resource-server/dist/core/jose/jws.js';
import { parseJsonObject } from '../libs/resource-server/dist/core/jose/strict-json.js';
import { startIssuer } from './lib/issuer.mjs';
import { generateRsaKey, signRs256 } from './lib/jwt.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 21);
const OPS = Number(process.env.BENCH_OPS ?? 2000);
const AUD = 'https://api.example.test';
const now = Math.floor(Date.now() / 1000);
const uuid = (i) => `3f6c2a8e-1b4d-4e9a-9c7f-${String(i).padStart(12, '0')}`;

/** Claims of three sizes: the e2e helper's, a Keycloak access token, a Keycloak one with groups. */
function claims(kind, iss, i) {
  const base = {
    iss,
    aud: AUD,
    sub: uuid(i),
    exp: now + 3600,
    iat: now,
    jti: uuid(i + 1),
    scope: 'read',
    client_id: 'web-app',
  };
  if (kind === 'small') return base;
  const keycloak = {
    ...base,
    typ: 'Bearer',
    azp: 'web-app',
    sid: uuid(i + 2),
    acr: '1',
    'allowed-origins': ['https://app.example.com'],
    realm_access: { roles: ['offline_access', 'uma_authorization', 'default-roles-acme', 'orders:reader'] },
    resource_access: {
      account: { roles: ['manage-account', 'manage-account-links', 'view-profile'] },
      'orders-api': { roles: ['reader', 'writer'] },
    },
    scope: 'openid email profile orders:read',
    email_verified: true,
    name: 'Alice Example',
    preferred_username: 'alice',
    given_name: 'Alice',
    family_name: 'Example',
    email: 'alice@example.com',
  };
  if (kind === 'keycloak') return keycloak;
  const groups = Array.from({ length: 12 }, (_, g) => `/acme/department-${g}/team-${g * 7}`);
  return {
    ...keycloak,
    groups,
    tenant: { id: uuid(i + 3), name: 'Acme Corporation', region: 'eu-central-1' },
    locale: 'de-DE',
  };
}

// decodeJws before this change (commit 33305b1), minus the error class: Buffer's lenient base64url,
// replacement-character UTF-8, last-wins JSON.
const SEGMENT = /^[A-Za-z0-9_-]+$/;
const lenientJson = (bytes) => JSON.parse(bytes.toString('utf8'));
function decodeJsonOld(segment) {
  const value = lenientJson(Buffer.from(segment, 'base64url'));
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('malformed_token');
  return value;
}
function decodeOld(token, allowed) {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => SEGMENT.test(p))) throw new Error('malformed_token');
  const [h, p, s] = parts;
  const header = decodeJsonOld(h);
  if (typeof header.alg !== 'string' || !allowed.has(header.alg)) throw new Error('unsupported_algorithm');
  if (header.crit !== undefined || header.b64 !== undefined || header.zip !== undefined)
    throw new Error('unsupported_header');
  if (
    header.kid !== undefined &&
    (typeof header.kid !== 'string' || header.kid.length === 0 || header.kid.length > 256)
  ) {
    throw new Error('malformed_token');
  }
  const payload = decodeJsonOld(p);
  const signingInput = Buffer.from(`${h}.${p}`, 'ascii');
  return { header, payload, alg: header.alg, kid: header.kid, signingInput, signature: Buffer.from(s, 'base64url') };
}
const fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const key = generateRsaKey();
const issuer = await startIssuer({ keys: [key] });
const quiet = { log() {}, warn() {}, error() {} };
const config = resolveConfig({ issuer: issuer.issuer, audience: AUD, verifiedTokenCache: false });
const verifier = new AccessTokenVerifier(config, {
  now: Date.now,
  logger: quiet,
  httpTimeoutMs: 2000,
  maxResponseBytes: 1_000_000,
});
const ALLOWED = new Set(['RS256']);
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
// Keeps the results alive so the JIT cannot drop the work being timed; printed once at the end.
let sink;

// The synchronous steps run MICRO_OPS times per slice, so that a slice lasts about as long as a slice
// of verifications and both see the same machine.
const MICRO_OPS = OPS * 10;
function time(fn, inputs) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < MICRO_OPS; i++) sink = fn(inputs[i % inputs.length]);
  return Number(process.hrtime.bigint() - start) / MICRO_OPS / 1000;
}

for (const kind of ['small', 'keycloak', 'keycloak+groups']) {
  const tokens = Array.from({ length: 200 }, (_, i) =>
    signRs256(key.privateKey, key.kid, claims(kind, issuer.issuer, i * 10)),
  );
  const payloads = tokens.map((t) => Buffer.from(t.split('.')[1], 'base64url'));
  const cases = {
    'verify (fresh, full)': [async (t) => verifier.verify(t), tokens],
    'decodeJws, before': [(t) => decodeOld(t, ALLOWED), tokens],
    'decodeJws, now': [(t) => decodeJws(t, ALLOWED), tokens],
    'claims: utf8 + JSON.parse, before': [lenientJson, payloads],
    'claims: fatal utf8 + JSON.parse': [(b) => JSON.parse(fatal.decode(b)), payloads],
    'claims: + top-level duplicates': [(b) => parseJsonObject(b, 'top-level'), payloads],
    'claims: + duplicates at any depth': [(b) => parseJsonObject(b, 'all-objects'), payloads],
  };
  // verify is async: each one is awaited, as a request would.
  cases['verify (fresh, full)'][0] = null;
  const results = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
  const verifyAll = async () => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < OPS; i++) await verifier.verify(tokens[i % tokens.length]);
    return Number(process.hrtime.bigint() - start) / OPS / 1000;
  };
  await verifyAll(); // warm-up: JWKS fetch, JIT
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, [fn, inputs]] of Object.entries(cases))
      results[name].push(fn ? time(fn, inputs) : await verifyAll());
  }
  // Each ratio is taken within one round (paired), then the median over rounds.
  const full = results['verify (fresh, full)'];
  const share = (xs) => median(xs.map((x, r) => (100 * x) / full[r]));
  const extra = (now, before) => share(results[now].map((x, r) => x - results[before][r]));
  console.log(
    `\n${kind}: payload ${payloads[0].length} B, token ${tokens[0].length} chars (medians of ${ROUNDS} rounds)`,
  );
  for (const [name, xs] of Object.entries(results)) {
    console.log(
      `  ${name.padEnd(40)} ${median(xs).toFixed(2).padStart(7)} µs  ${share(xs).toFixed(1).padStart(5)} % of verify`,
    );
  }
  const top = extra('claims: + top-level duplicates', 'claims: fatal utf8 + JSON.parse');
  const any = extra('claims: + duplicates at any depth', 'claims: fatal utf8 + JSON.parse');
  const all = extra('decodeJws, now', 'decodeJws, before');
  console.log(
    `  => share of a fresh verification: claims duplicates top-level ${top.toFixed(1)} %, any depth ${any.toFixed(1)} %; decodeJws before -> now ${all.toFixed(1)} %`,
  );
}
if (process.env.BENCH_DEBUG) console.log('last result:', typeof sink);
await issuer.close();
