// npm run bench:revocation: two sample API processes sharing one Redis (REDIS_URL) and a third without
// it, all pinned with Redis to core 0; this process (the client and autocannon) on core 1.
//  1. Propagation: BENCH_REVOCATIONS (default 1000) times, a token is put into instance B's
//     verified-token cache, revoked through instance A (POST /admin/revocations { jti }), and B is
//     polled until it answers 401. Latency = from sending the revocation to B's first 401 (so it
//     includes A's handling and the polling round trip: an upper bound). p50 / p99 / max.
//  2. Cost on the hot path: the same-token workload (GET /messages, one valid token) against the
//     unguarded GET /health, on instance A, which now holds the 1,000 revocations, in interleaved
//     slices (unguarded, same-token, repeat): the median of the per-round ratios; target >= 0.90.
//     Instance C (same app, no REDIS_URL, no revocations) is measured the same way in the same
//     rounds: the two ratios side by side separate the cost of revocation from the machine's drift.
// Env: BENCH_REVOCATIONS (default 1000), BENCH_DURATION (measured s per workload, default 10),
//      BENCH_ROUNDS (default 5), BENCH_WARMUP (s, default 2), BENCH_CONNECTIONS (default 50).
import autocannon from 'autocannon';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { startIssuer } from './lib/issuer.mjs';
import { benchClaims, generateRsaKey, signRs256 } from './lib/jwt.mjs';
import {
  canPin,
  freePort,
  installCleanup,
  pinSelf,
  sampleApiEnv,
  startNode,
  stopAll,
  waitForReady,
} from './lib/procs.mjs';
import { startRedisServer } from './lib/redis.mjs';

process.chdir(fileURLToPath(new URL('..', import.meta.url)));
const num = (name, fallback) => {
  const n = Number(process.env[name] || fallback);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number`);
  return n;
};
const REVOCATIONS = Math.floor(num('BENCH_REVOCATIONS', 1000));
const DURATION = num('BENCH_DURATION', 10);
const ROUNDS = Math.max(1, Math.floor(num('BENCH_ROUNDS', 5)));
const WARMUP = num('BENCH_WARMUP', 2);
const CONNECTIONS = Math.floor(num('BENCH_CONNECTIONS', 50));
const SLICE = DURATION / ROUNDS;
const AUDIENCE = 'https://bench.api.example';
const TARGET = 0.9;
const log = (...args) => console.log(...args);
const fmt = (n, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];

installCleanup();
log(
  `bench:revocation: node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model?.trim() ?? '?'}); ` +
    (canPin ? 'Redis and the three instances on core 0, client on core 1' : 'no taskset or < 2 cores: nothing pinned'),
);
if (loadavg()[0] > 0.5)
  log(`WARN  load average is ${loadavg()[0].toFixed(2)}: other work on this machine makes the numbers noisier`);

const redis = await startRedisServer({ cpu: 0 });
const key = generateRsaKey('bench-rs256');
const issuer = await startIssuer({ keys: [key] });
const now = Math.floor(Date.now() / 1000);
const mint = (prefix, seq, extra = {}) =>
  signRs256(key.privateKey, key.kid, {
    ...benchClaims({ iss: issuer.issuer, aud: AUDIENCE, prefix, seq, now }),
    ...extra,
  });
const admin = mint('admin', 0, { scope: 'admin:messages' });
const sameToken = mint('same', 0);

const instances = [];
// C: the same app without REDIS_URL and without revocations, measured in the same interleaving, so
// the cost of revocation can be told apart from the machine's drift.
for (const name of ['A', 'B', 'C']) {
  const port = await freePort();
  const env = await sampleApiEnv(
    { issuer: issuer.issuer, audience: AUDIENCE, port },
    { REDIS_URL: name === 'C' ? '' : redis.url },
  );
  instances.push({
    name,
    url: `http://127.0.0.1:${port}`,
    child: startNode({ name, nodeArgs: ['apps/sample-api/dist/main.js'], env, cpu: 0 }),
  });
}
for (const i of instances) await waitForReady(i.child, `${i.url}/health`);
const [a, b, c] = instances;
pinSelf('1');

const get = async (instance, token) => {
  const res = await fetch(`${instance.url}/messages`, { headers: { authorization: `Bearer ${token}` } });
  await res.arrayBuffer();
  return res.status;
};
const revoke = async (jti) => {
  const res = await fetch(`${a.url}/admin/revocations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ jti }),
  });
  await res.arrayBuffer();
  if (res.status !== 204) throw new Error(`POST /admin/revocations answered ${res.status}`);
};

// --- 1. propagation ----------------------------------------------------------------------------
const latencies = [];
for (let i = 0; i < REVOCATIONS; i++) {
  const token = mint('revoked', i);
  if ((await get(b, token)) !== 200) throw new Error('a fresh token was refused by B');
  const started = performance.now();
  await revoke(`revoked-${i}`);
  let polls = 0;
  while ((await get(b, token)) !== 401) {
    if (++polls > 10_000) throw new Error(`B still accepts revoked-${i} after ${fmt(performance.now() - started)} ms`);
  }
  latencies.push(performance.now() - started);
}
const sorted = [...latencies].sort((x, y) => x - y);
const propagation = { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: sorted.at(-1) };
log(
  `propagation over ${REVOCATIONS} revocations (A -> Redis -> B, B's cache warm): ` +
    `p50 ${fmt(propagation.p50, 2)} ms, p99 ${fmt(propagation.p99, 2)} ms, max ${fmt(propagation.max, 2)} ms`,
);

// --- 2. hot-path cost, interleaved slices --------------------------------------------------------
const slice = (instance, path, token, seconds) =>
  new Promise((resolve, reject) =>
    autocannon(
      {
        url: `${instance.url}${path}`,
        connections: CONNECTIONS,
        duration: seconds,
        headers: token ? { authorization: `Bearer ${token}` } : {},
      },
      (error, r) =>
        error
          ? reject(error)
          : resolve({ rps: r.requests.total / r.duration, non2xx: r.non2xx, errors: r.errors + r.timeouts }),
    ),
  );
/** Per round: unguarded then same-token on one instance; the ratio of the two. */
async function pairedRound(instance, seconds, guardedFirst = false) {
  // ABBA over the rounds (guardedFirst in odd ones): a steady drift favours neither side.
  const base = guardedFirst ? undefined : await slice(instance, '/health', undefined, seconds);
  const guarded = await slice(instance, '/messages', sameToken, seconds);
  const after = guardedFirst ? await slice(instance, '/health', undefined, seconds) : base;
  if (guarded.non2xx || guarded.errors)
    throw new Error(`same-token slice on ${instance.name}: ${guarded.non2xx} non-2xx, ${guarded.errors} errors`);
  return { base: after.rps, same: guarded.rps, ratio: guarded.rps / after.rps };
}
for (const instance of [a, c]) await pairedRound(instance, WARMUP);
const rounds = { A: [], C: [] };
for (let round = 0; round < ROUNDS; round++) {
  const odd = round % 2 === 1;
  for (const [name, instance] of odd
    ? [
        ['C', c],
        ['A', a],
      ]
    : [
        ['A', a],
        ['C', c],
      ])
    rounds[name].push(await pairedRound(instance, SLICE, odd));
}
const summary = (rs) => {
  const ratios = rs.map((r) => r.ratio);
  return {
    same: median(rs.map((r) => r.same)),
    base: median(rs.map((r) => r.base)),
    ratio: median(ratios),
    min: Math.min(...ratios),
    max: Math.max(...ratios),
  };
};
const [withRevocation, without] = [summary(rounds.A), summary(rounds.C)];
const line = (s) =>
  `${fmt(s.same, 0)} req/s vs unguarded ${fmt(s.base, 0)} req/s, ratio ${fmt(s.ratio, 2)}x [${fmt(s.min, 2)}-${fmt(s.max, 2)}]`;
log(`same-token, instance A (REDIS_URL, ${REVOCATIONS} revocations held): ${line(withRevocation)}`);
log(`same-token, instance C (no REDIS_URL, no revocations):     ${line(without)}`);
log(
  `(${ROUNDS} rounds of ${fmt(SLICE)} s per route and instance, interleaved A/C, ${CONNECTIONS} connections; ratios: median [min-max] of the rounds)`,
);
const ratio = withRevocation.ratio;
log(`${propagation.p99 <= 1000 ? 'PASS' : 'FAIL'}  propagation p99 ${fmt(propagation.p99, 2)} ms (target <= 1000 ms)`);
log(
  `${ratio >= TARGET ? 'PASS' : 'FAIL'}  same-token with revocation on: ${fmt(ratio, 2)}x unguarded (target >= ${TARGET}x)`,
);
log(`INFO  with revocation on / without, same-token ratios: ${fmt(ratio / without.ratio, 2)}`);

await stopAll();
await redis.close();
await issuer.close?.();
process.exit(0);
