// Run: npm run build && node bench/jwks-requests.mjs
//
// How many discovery and JWKS requests the resource server sends to its issuer under cold start,
// rotation, a flood of random kids, outages and recovery, and what the callers get back. It PRINTS
// numbers; it asserts nothing (it is not a test). Plain Node ESM: it uses the BUILT library
// (libs/resource-server/dist), a Nest application context (no HTTP server: verifications go through
// `AccessTokenVerifier.verify()`), a local issuer on 127.0.0.1 (node:http) and RS256 tokens signed
// with node:crypto. Every token is fresh (random jti), so the verified-token cache never answers.
// Takes about 25 s and exits 0.
import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

const DIST = new URL('../libs/resource-server/dist/esm/index.js', import.meta.url);
if (!existsSync(DIST)) {
  console.error(
    'libs/resource-server/dist is missing: run `npm run build` first (npm run build && node bench/jwks-requests.mjs)',
  );
  process.exit(1);
}
const { ResourceServerModule, AccessTokenVerifier, ResourceServerError } = await import(DIST.href);
const { Module } = await import('@nestjs/common');
const { NestFactory } = await import('@nestjs/core');

const AUDIENCE = 'https://api.bench.test';

// ---------------------------------------------------------------------------------------------------
// Log capture: the library logs through Nest's Logger; outage lines are counted per issuer.

const logLines = [];
const logger = Object.fromEntries(
  ['log', 'error', 'warn', 'debug', 'verbose', 'fatal'].map((level) => [
    level,
    (message) => logLines.push({ level, message: String(message) }),
  ]),
);

// ---------------------------------------------------------------------------------------------------
// Keys and tokens (node:crypto only).

function generateKey(kid) {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' } };
}

const b64url = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

function mint(key, iss, kid = key.kid) {
  const now = Math.floor(Date.now() / 1000);
  const input = `${b64url({ alg: 'RS256', kid, typ: 'JWT' })}.${b64url({
    iss,
    aud: AUDIENCE,
    sub: 'bench-user',
    scope: 'read',
    iat: now,
    exp: now + 600,
    jti: randomUUID(),
  })}`;
  return `${input}.${sign('sha256', Buffer.from(input), key.privateKey).toString('base64url')}`;
}

// ---------------------------------------------------------------------------------------------------
// Local issuer: discovery + JWKS, request counters, rotation, failure modes.

async function startIssuer(keys) {
  const counts = { discovery: 0, jwks: 0 };
  let jwks = { keys: keys.map((k) => k.jwk) };
  let mode = 'ok'; // ok | status500 | reset | slow
  const timers = new Set();
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const target = path.startsWith('/.well-known/') ? 'discovery' : path === '/jwks' ? 'jwks' : undefined;
    if (target) counts[target]++;
    const answer = () => {
      if (path === '/.well-known/openid-configuration')
        return json(res, 200, { issuer: issuer.url, jwks_uri: `${issuer.url}/jwks` });
      if (path === '/jwks') return json(res, 200, jwks);
      return json(res, 404, { error: 'not_found' });
    };
    if (!target || mode === 'ok') return answer();
    if (mode === 'status500') return json(res, 500, { error: 'server_error' });
    if (mode === 'reset') return req.socket.destroy();
    const timer = setTimeout(() => (timers.delete(timer), answer()), 10_000); // slow
    timers.add(timer);
    res.on('close', () => (clearTimeout(timer), timers.delete(timer)));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = {
    url: `http://127.0.0.1:${server.address().port}`,
    counts,
    setKeys: (next) => (jwks = { keys: next.map((k) => k.jwk) }),
    setMode: (next) => (mode = next),
    close: () =>
      new Promise((resolve) => {
        for (const t of timers) clearTimeout(t);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return issuer;
}

function json(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

// ---------------------------------------------------------------------------------------------------
// A Nest application context per configuration; the verifier is taken from it.

const contexts = [];
const issuers = [];

async function startVerifier(options) {
  // No decorator syntax in plain .mjs: apply @Module() by hand (a class decorator returns nothing here).
  class BenchModule {}
  Module({ imports: [ResourceServerModule.forRoot({ audience: AUDIENCE, ...options })] })(BenchModule);
  const ctx = await NestFactory.createApplicationContext(BenchModule, { logger, abortOnError: false });
  contexts.push(ctx);
  return ctx.get(AccessTokenVerifier);
}

async function newIssuer(keys) {
  const issuer = await startIssuer(keys);
  issuers.push(issuer);
  return issuer;
}

/** Verifies all tokens at once and tallies the outcomes into `row`. */
async function verifyAll(verifier, tokens, row) {
  const outcomes = await Promise.all(
    tokens.map((t) =>
      verifier.verify(t).then(
        () => 200,
        (error) => (error instanceof ResourceServerError ? error.status : 'unexpected'),
      ),
    ),
  );
  for (const o of outcomes) {
    row.sent++;
    if (o === 200) row.accepted++;
    else if (o === 401) row.refused++;
    else if (o === 503) row.unavailable++;
    else row.other.push(o);
  }
  return outcomes;
}

const rows = [];

/** Runs `body(row)` and records the issuer requests it caused. */
async function scenario(name, issuer, body) {
  const before = { ...issuer.counts };
  const row = { name, sent: 0, accepted: 0, refused: 0, unavailable: 0, other: [], notes: [] };
  const started = performance.now();
  await body(row);
  row.ms = Math.round(performance.now() - started);
  row.discovery = issuer.counts.discovery - before.discovery;
  row.jwks = issuer.counts.jwks - before.jwks;
  rows.push(row);
  process.stderr.write(`  done: ${name} (${row.ms} ms)\n`);
  return row;
}

const jwksErrorLines = (issuer) =>
  logLines.filter((l) => l.level === 'error' && l.message.includes(`JWKS of ${issuer.url}`)).length;
const randomKid = () => `random-${randomUUID()}`;

// ---------------------------------------------------------------------------------------------------

async function main() {
  const benchStarted = performance.now();
  process.stderr.write('generating keys...\n');
  const [k1, k2, k3, k4, k5] = ['bench-1', 'bench-2', 'bench-3', 'bench-4', 'bench-5'].map(generateKey);

  // 1. Cold start: 200 concurrent first verifications, default settings.
  {
    const issuer = await newIssuer([k1]);
    const verifier = await startVerifier({ issuer: issuer.url });
    await scenario('cold start: 200 concurrent first verifications', issuer, async (row) => {
      await verifyAll(
        verifier,
        Array.from({ length: 200 }, () => mint(k1, issuer.url)),
        row,
      );
    });

    // 2a. Rotation right after a fetch, with the default 30 s refetch cooldown.
    issuer.setKeys([k1, k2]);
    await scenario('rotation, new kid within default 30 s cooldown', issuer, async (row) => {
      await verifyAll(
        verifier,
        Array.from({ length: 100 }, () => mint(k2, issuer.url)),
        row,
      );
      row.notes.push('new kid refused until the cooldown since the last fetch is over');
    });
  }

  // 2b. Rotation once the refetch cooldown (1 s here) is over: one refetch, then accepted.
  {
    const issuer = await newIssuer([k1]);
    const verifier = await startVerifier({ issuer: issuer.url, keySet: { refetchCooldownMs: 1000 } });
    await verifyAll(verifier, [mint(k1, issuer.url)], { sent: 0, other: [] }); // warm (not counted)
    issuer.setKeys([k1, k2]);
    await sleep(1100);
    await scenario('rotation, cooldown 1 s elapsed: 100 new kid + 100 old kid', issuer, async (row) => {
      await verifyAll(
        verifier,
        Array.from({ length: 100 }, () => mint(k2, issuer.url)),
        row,
      );
      await verifyAll(
        verifier,
        Array.from({ length: 100 }, () => mint(k1, issuer.url)),
        row,
      ); // old key still published
    });
  }

  // 3. Flood: 1,000 random kids over ~5 s (20 batches of 50, every 250 ms) from a cold start,
  //    default cooldown (30 s), 5 valid tokens interleaved in every batch.
  {
    const issuer = await newIssuer([k3]);
    const verifier = await startVerifier({ issuer: issuer.url });
    await scenario('flood: 1,000 random kids over 5 s + 100 valid', issuer, async (row) => {
      const batches = [];
      for (let b = 0; b < 20; b++) {
        const tokens = Array.from({ length: 55 }, (_, i) =>
          i % 11 === 5 ? mint(k3, issuer.url) : mint(k3, issuer.url, randomKid()),
        );
        batches.push(verifyAll(verifier, tokens, row));
        await sleep(250);
      }
      const outcomes = (await Promise.all(batches)).flat();
      const validRefused = outcomes.filter((o, i) => (i % 55) % 11 === 5 && o !== 200).length;
      row.notes.push(`valid tokens not accepted during the flood: ${validRefused}`);
    });
  }

  // 4. Outage with known keys: JWKS answers 500 for 10 s while valid tokens keep coming.
  //    cacheMaxAgeMs 1 s so refreshes are attempted during the outage; retryIntervalMs 1 s.
  {
    const issuer = await newIssuer([k4]);
    const verifier = await startVerifier({
      issuer: issuer.url,
      keySet: { cacheMaxAgeMs: 1000, retryIntervalMs: 1000 },
    });
    await verifyAll(verifier, [mint(k4, issuer.url)], { sent: 0, other: [] }); // warm (not counted)
    await scenario('outage with known keys: JWKS 500 for 10 s', issuer, async (row) => {
      issuer.setMode('status500');
      const end = performance.now() + 10_000;
      while (performance.now() < end) {
        await verifyAll(
          verifier,
          Array.from({ length: 20 }, () => mint(k4, issuer.url)),
          row,
        );
        await sleep(100);
      }
      row.notes.push(`error log lines for the episode: ${jwksErrorLines(issuer)}`);
    });
    issuer.setMode('ok');
  }

  // 5. Outage with no keys: the issuer fails from the start (discovery and JWKS), retryIntervalMs 1 s.
  {
    const issuer = await newIssuer([k5]);
    issuer.setMode('status500');
    const verifier = await startVerifier({ issuer: issuer.url, keySet: { retryIntervalMs: 1000 } });
    await scenario('outage with no keys: issuer 500 for 3 s', issuer, async (row) => {
      const end = performance.now() + 3000;
      while (performance.now() < end) {
        await verifyAll(
          verifier,
          Array.from({ length: 20 }, () => mint(k5, issuer.url)),
          row,
        );
        await sleep(100);
      }
    });

    // 6. Recovery: the issuer answers again; requests keep coming until they are accepted.
    await scenario('recovery: issuer back, verifying for 1.5 s', issuer, async (row) => {
      issuer.setMode('ok');
      const started = performance.now();
      let firstAccepted;
      while (performance.now() - started < 1500) {
        const outcomes = await verifyAll(
          verifier,
          Array.from({ length: 20 }, () => mint(k5, issuer.url)),
          row,
        );
        if (firstAccepted === undefined && outcomes.includes(200))
          firstAccepted = Math.round(performance.now() - started);
        await sleep(100);
      }
      row.notes.push(`first accepted ${firstAccepted ?? 'never'} ms after the issuer came back (retryIntervalMs 1000)`);
    });
  }

  printTable(Math.round(performance.now() - benchStarted));
}

function printTable(totalMs) {
  const header = ['scenario', 'requests sent', 'discovery fetches', 'JWKS fetches', 'accepted', 'refused', '503s'];
  const body = rows.map((r) => [r.name, r.sent, r.discovery, r.jwks, r.accepted, r.refused, r.unavailable].map(String));
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  console.log('');
  console.log(line(header));
  console.log(`|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const b of body) console.log(line(b));
  console.log('');
  for (const r of rows) {
    const extra = r.other.length
      ? [`unexpected outcomes: ${[...new Set(r.other)].join(', ')} (${r.other.length})`]
      : [];
    for (const note of [...r.notes, ...extra]) console.log(`- ${r.name}: ${note}`);
  }
  console.log(`- total time ${(totalMs / 1000).toFixed(1)} s (Node ${process.version})`);
}

let exitCode = 0;
try {
  await main();
} catch (error) {
  console.error(error);
  exitCode = 1;
} finally {
  await Promise.allSettled(contexts.map((c) => c.close()));
  await Promise.allSettled(issuers.map((i) => i.close()));
}
process.exit(exitCode);
