// npm run bench: throughput of the sample API (nestjs-resource-server) against "the plain recipe"
// (@nestjs/passport + passport-jwt + jwks-rsa), both as real HTTP servers pinned to core 0, the
// load generator (autocannon, in this process) on core 1. See bench/README.md.
//
// Each workload is measured in ROUNDS short slices, interleaved with slices of the unguarded route
// and with the other app (ours-unguarded, ours-W, recipe-unguarded, recipe-W, repeat): every ratio
// is taken between slices a few seconds apart and the median of the rounds is reported. On shared
// or virtual machines the speed of a core drifts by tens of percent within minutes; back-to-back
// 10 s runs then compare two different machines.
//
// Env: BENCH_DURATION (measured s per workload and app, default 10), BENCH_ROUNDS (slices it is cut
//      into, default 5), BENCH_WARMUP (s per workload and app before its first slice, default 2),
//      BENCH_CONNECTIONS (default 50), BENCH_APPS (default "ours,ours-otel,recipe"), BENCH_WORKLOADS (comma
//      list, default all), BENCH_PRIME (s of mixed traffic before anything, default 2),
//      BENCH_MEMORY=0 (skip the memory step), BENCH_SOCKETIO=0 (skip the socket.io step), BENCH_CPU_PROF=<workload> (an extra, profiled run of
//      ours after the table; not in it), BENCH_EXTRAS (comma list of the paired workloads of
//      bench/lib/extras.mjs, default "fastify,graphql"; "none" skips them).
import autocannon from 'autocannon';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatTop, summarize } from './lib/cpuprofile-summary.mjs';
import { startIssuer } from './lib/issuer.mjs';
import { extraPairs, measureExtras } from './lib/extras.mjs';
import { benchClaims, generateRsaKey, signRs256, withForeignSignature } from './lib/jwt.mjs';
import { mintTokens } from './lib/mint.mjs';
import { generateDpopKey, mintProofs } from './lib/dpop.mjs';
import {
  canPin,
  freePort,
  installCleanup,
  pinSelf,
  sampleApiEnv,
  startNode,
  stopAll,
  stopChild,
  waitForReady,
} from './lib/procs.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
process.chdir(ROOT);

const num = (name, fallback, { integer = false } = {}) => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n)))
    throw new Error(`${name} must be a ${integer ? 'whole ' : ''}number >= 0 (got "${raw}")`);
  return n;
};
const list = (name, all) => {
  const raw = process.env[name];
  if (!raw) return all;
  const picked = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = picked.filter((p) => !all.includes(p));
  if (unknown.length) throw new Error(`${name}: unknown ${unknown.join(', ')} (choose from ${all.join(', ')})`);
  return picked;
};

const DURATION = num('BENCH_DURATION', 10);
const ROUNDS = Math.max(1, num('BENCH_ROUNDS', 5, { integer: true }));
const SLICE = DURATION / ROUNDS;
const WARMUP = num('BENCH_WARMUP', 2);
const PRIME = num('BENCH_PRIME', 2);
const CONNECTIONS = Math.max(1, num('BENCH_CONNECTIONS', 50, { integer: true }));
const POOL_SIZE = 2000;
// Always run in this order. same-token-full-cache repeats same-token right after fresh-tokens has
// filled the verified-token cache (10 000 entries), i.e. in a long-running server's steady state.
// `unguarded` is always measured: it is every other workload's paired baseline.
// dpop (ours only: the recipe has no DPoP): one DPoP-bound token repeated, a fresh proof per request.
const GUARDED = ['same-token', 'pool-2000', 'fresh-tokens', 'same-token-full-cache', 'invalid-signature', 'dpop'];
const WORKLOADS = list('BENCH_WORKLOADS', ['unguarded', ...GUARDED]).filter((w) => w !== 'unguarded');
// ours-otel: the sample API again, with the OpenTelemetry SDK registered (bench/lib/otel-sdk.mjs).
const APPS = list('BENCH_APPS', ['ours', 'ours-otel', 'recipe']);
const MEMORY = process.env.BENCH_MEMORY !== '0';
const CPU_PROF = process.env.BENCH_CPU_PROF ? list('BENCH_CPU_PROF', ['unguarded', ...GUARDED])[0] : undefined;
const AUDIENCE = 'https://bench.api.example';
const TARGETS = { 'same-token': 0.9, 'pool-2000': 0.85, 'fresh-tokens': 0.5, dpop: 0.45 };
// The ratios of the release before the pipeline rework (README): no workload may fall below them.
const RELEASE = { 'same-token': 0.93, 'pool-2000': 0.93, 'fresh-tokens': 0.61 };
const FRESH_VS_RECIPE = 1.5;
const EXTRAS = process.env.BENCH_EXTRAS === 'none' ? [] : list('BENCH_EXTRAS', ['fastify', 'graphql']);
const EXTRA_TARGET = 0.9;
if (SLICE < 1) throw new Error(`BENCH_DURATION / BENCH_ROUNDS must be at least 1 s (got ${SLICE})`);

const log = (...args) => console.log(...args);
const fmt = (n, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const pct = (x) => (Number.isFinite(x) ? `${Math.round(x * 100)}%` : 'n/a');
const median = (xs) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const sum = (xs) => xs.reduce((a, b) => a + b, 0);

installCleanup();
const started = performance.now();
const pkg = (name) => JSON.parse(readFileSync(join('node_modules', name, 'package.json'), 'utf8')).version;
log(
  `nestjs-resource-server bench: node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model?.trim() ?? '?'})`,
);
log(
  `${DURATION} s measured per workload and app, as ${ROUNDS} slices of ${fmt(SLICE, 1)} s paired with unguarded slices ` +
    `(+${WARMUP} s warm-up), ${CONNECTIONS} connections, autocannon ${pkg('autocannon')}; ` +
    (canPin
      ? 'servers pinned to core 0 (taskset -c 0), load generator on core 1'
      : 'no taskset or < 2 cores: nothing pinned'),
);
log(
  `recipe: @nestjs/passport ${pkg('@nestjs/passport')}, passport-jwt ${pkg('passport-jwt')}, jwks-rsa ${pkg('jwks-rsa')}`,
);
const [load1] = loadavg();
if (load1 > 0.5)
  log(
    `WARN  load average is ${load1.toFixed(2)} before starting: other work on this machine makes the numbers noisier`,
  );
log('');

// --- issuer and tokens ---------------------------------------------------------------------------
const key = generateRsaKey('bench-rs256');
const issuer = await startIssuer({ keys: [key] });
const sameToken = signRs256(
  key.privateKey,
  key.kid,
  benchClaims({ iss: issuer.issuer, aud: AUDIENCE, prefix: 'same', seq: 0 }),
);
const { tokens: pool, ms: poolMs } = await mintTokens({
  key,
  iss: issuer.issuer,
  aud: AUDIENCE,
  count: POOL_SIZE,
  prefix: 'pool',
});
const invalid = pool.map((t, i) => withForeignSignature(t, pool[(i + 1) % pool.length]));
const dpopKey = generateDpopKey();
const dpopToken = signRs256(key.privateKey, key.kid, {
  ...benchClaims({ iss: issuer.issuer, aud: AUDIENCE, prefix: 'dpop', seq: 0 }),
  cnf: { jkt: dpopKey.jkt },
});
log(`issuer ${issuer.issuer} (RS256, kid ${key.kid}); minted the ${POOL_SIZE}-token pool in ${fmt(poolMs)} ms`);

// --- servers ---------------------------------------------------------------------------------------
const apps = {};
for (const name of APPS) {
  const port = await freePort();
  const entry = name === 'recipe' ? 'bench/recipe/main.mjs' : 'apps/sample-api/dist/main.js';
  const profiled = name === 'ours' && CPU_PROF !== undefined;
  const preload = name === 'ours-otel' ? ['--import', './bench/lib/otel-sdk.mjs'] : [];
  const child = startNode({
    name,
    nodeArgs: profiled ? ['bench/lib/profiled.mjs', entry] : [...preload, entry],
    env: await sampleApiEnv({ issuer: issuer.issuer, audience: AUDIENCE, port }),
    cpu: 0,
    ipc: profiled,
  });
  apps[name] = { name, child, url: `http://127.0.0.1:${port}` };
}
const appList = Object.values(apps);
for (const app of appList) await waitForReady(app.child, `${app.url}/health`);
log(`started ${appList.map((a) => `${a.name} (${a.url}, pid ${a.child.pid})`).join(', ')}`);

// One request of each kind per app before measuring anything: a misconfiguration fails here, loudly.
async function expectStatus(app, path, token, status) {
  const res = await fetch(`${app.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const body = await res.text();
  if (res.status !== status)
    throw new Error(`${app.name} GET ${path}: expected ${status}, got ${res.status}: ${body.slice(0, 300)}`);
}
for (const app of appList) {
  await expectStatus(app, '/health', undefined, 200);
  await expectStatus(app, '/messages', sameToken, 200);
  await expectStatus(app, '/messages', pool[0], 200);
  await expectStatus(app, '/messages', invalid[0], 401);
  await expectStatus(app, '/messages', undefined, 401);
}
if (apps.ours) {
  const { proofs } = await mintProofs({
    key: dpopKey,
    htu: `${apps.ours.url}/messages`,
    token: dpopToken,
    count: 1,
    workers: 1,
  });
  const res = await fetch(`${apps.ours.url}/messages`, {
    headers: { authorization: `DPoP ${dpopToken}`, dpop: proofs[0] },
  });
  if (res.status !== 200)
    throw new Error(`ours DPoP GET /messages: expected 200, got ${res.status}: ${(await res.text()).slice(0, 300)}`);
}
log('sanity checks passed (200 / 401 as expected)');
pinSelf('1');

// --- load ----------------------------------------------------------------------------------------
/** A token source for setupRequest: `next()` per request. */
const rotating = (tokens) => {
  let i = 0;
  return { next: () => tokens[i++ % tokens.length] };
};

/** Runs autocannon once. `requests` are autocannon request objects; `exhausted` is set by sources that run dry. */
function autocannonRun(app, requests, seconds, control = {}) {
  return new Promise((resolve, reject) => {
    control.instance = autocannon(
      { url: app.url, connections: CONNECTIONS, pipelining: 1, duration: seconds, requests },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

/** An autocannon request for a workload spec: static token, a token `source`, or a DPoP token with a proof `source`. */
function requestFor({ path, token, source, dpop, method = 'GET', headers = {}, body }, control) {
  const request = {
    method,
    path,
    headers: { ...headers, ...(token ? { authorization: `${dpop ? 'DPoP' : 'Bearer'} ${token}` } : {}) },
    ...(body ? { body } : {}),
  };
  if (source && dpop) {
    request.setupRequest = (req) => {
      let proof = source.next();
      if (proof === undefined) {
        // Out of unused proofs: stop early rather than replay one (a replay is refused).
        if (!control.exhausted) {
          control.exhausted = true;
          setImmediate(() => control.instance?.stop());
        }
        proof = source.last();
      }
      req.headers.dpop = proof;
      return req;
    };
  } else if (source) {
    request.setupRequest = (req) => {
      let t = source.next();
      if (t === undefined) {
        // Out of never-used tokens: stop early rather than repeat one (that would measure the cache).
        if (!control.exhausted) {
          control.exhausted = true;
          setImmediate(() => control.instance?.stop());
        }
        t = source.last();
      }
      req.headers.authorization = `Bearer ${t}`;
      return req;
    };
  }
  return request;
}

// CPU time of a process from /proc (Linux), in ms; NaN elsewhere. Shows whether the server was
// saturated (~100% of its core) and whether the load generator could have been the bottleneck.
// It cannot see a slower core (hypervisor, SMT sibling, frequency): the pairing handles that.
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;
function processCpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return NaN;
  }
}

/** One measured slice: throughput from the total count over the measured wall time. */
async function slice(app, spec, seconds) {
  const control = {};
  const before = { server: processCpuMs(app.child.pid), generator: process.cpuUsage(), at: performance.now() };
  const r = await autocannonRun(app, [requestFor(spec, control)], seconds, control);
  const wallMs = performance.now() - before.at;
  const gen = process.cpuUsage(before.generator);
  const codes = Object.fromEntries(
    Object.entries(r.statusCodeStats ?? {}).map(([code, { count }]) => [code, Number(count)]),
  );
  return {
    total: r.requests.total,
    seconds: r.duration,
    rps: r.requests.total / r.duration,
    p99: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    codes,
    exhausted: Boolean(control.exhausted),
    serverCpuMs: processCpuMs(app.child.pid) - before.server,
    generatorCpuMs: (gen.user + gen.system) / 1000,
    wallMs,
  };
}

const workloadSpec = {
  unguarded: () => ({ path: '/health' }),
  'same-token': () => ({ path: '/messages', token: sameToken }),
  'pool-2000': () => ({ path: '/messages', source: rotating(pool) }),
  'fresh-tokens': () => {
    let i = 0;
    return {
      path: '/messages',
      source: {
        next: () => (i < fresh.length ? fresh[i++] : undefined),
        last: () => fresh[fresh.length - 1],
        used: () => i,
      },
    };
  },
  'same-token-full-cache': () => ({ path: '/messages', token: sameToken }),
  'invalid-signature': () => ({ path: '/messages', source: rotating(invalid), expect: 401 }),
  dpop: () => {
    let proofs = [];
    let i = 0;
    return {
      path: '/messages',
      token: dpopToken,
      dpop: true,
      source: { next: () => (i < proofs.length ? proofs[i++] : undefined), last: () => proofs[proofs.length - 1] },
      // Fresh proofs for the next run of `seconds` (iat now, each used once), minted while the server idles.
      prepare: async (app, seconds) => {
        const best = Math.max(
          0,
          ...measured.filter((e) => e.app === app.name).flatMap((e) => e.slices.map((s) => s.rps)),
        );
        const count = Math.max(1000, Math.ceil(((best || 15_000) * seconds * 1.3) / 1000) * 1000);
        pinSelf('0,1');
        ({ proofs } = await mintProofs({ key: dpopKey, htu: `${app.url}/messages`, token: dpopToken, count }));
        pinSelf('1');
        i = 0;
      },
    };
  },
};
let fresh = [];

// Prime each app with a mix of every kind of request, so no measured slice pays for JIT compilation
// or for deoptimizations caused by a code path (e.g. the 401 path) seen for the first time.
if (PRIME > 0) {
  for (const app of appList) {
    const withToken = (source) => (req) => {
      req.headers.authorization = `Bearer ${source.next()}`;
      return req;
    };
    await autocannonRun(
      app,
      [
        { method: 'GET', path: '/health' },
        { method: 'GET', path: '/messages', headers: { authorization: `Bearer ${sameToken}` } },
        { method: 'GET', path: '/messages', setupRequest: withToken(rotating(pool)) },
        { method: 'GET', path: '/messages', setupRequest: withToken(rotating(invalid)) },
      ],
      PRIME,
    );
  }
  log(`primed ${Object.keys(apps).join(' and ')} for ${PRIME} s each with a mix of all request kinds (not measured)`);
}
log('');

/** Per workload and app: the slices of the workload and of its paired unguarded baseline. */
const measured = []; // { workload, app, slices: [], baseline: [], expect, freshUsed }

async function measureWorkload(workload) {
  const appList = workload === 'dpop' ? Object.values(apps).filter((app) => app.name === 'ours') : Object.values(apps);
  const specs = Object.fromEntries(appList.map((app) => [app.name, workloadSpec[workload]()]));
  const unguarded = workloadSpec.unguarded();
  const entries = Object.fromEntries(
    appList.map((app) => [
      app.name,
      { workload, app: app.name, slices: [], baseline: [], expect: specs[app.name].expect ?? 200 },
    ]),
  );
  // The warm-up shares the spec (and so the token cursor) with the slices: fresh tokens stay fresh.
  const prepare = async (app, seconds) => specs[app.name].prepare?.(app, seconds);
  if (WARMUP > 0)
    for (const app of appList)
      (await prepare(app, WARMUP), await autocannonRun(app, [requestFor(specs[app.name], {})], WARMUP));
  for (let round = 0; round < ROUNDS; round++) {
    for (const app of appList) {
      // Odd rounds measure the workload first: a machine that speeds up or slows down steadily
      // then favours neither side of the pairs (ABBA order).
      const baselineFirst = round % 2 === 0;
      if (baselineFirst) entries[app.name].baseline.push(await slice(app, unguarded, SLICE));
      await prepare(app, SLICE);
      entries[app.name].slices.push(await slice(app, specs[app.name], SLICE));
      if (!baselineFirst) entries[app.name].baseline.push(await slice(app, unguarded, SLICE));
    }
  }
  for (const app of appList) {
    const e = entries[app.name];
    if (workload === 'fresh-tokens') e.freshUsed = specs[app.name].source.used();
    measured.push(e);
    const s = summarizeEntry(e);
    log(
      `  ${workload.padEnd(21)} ${app.name.padEnd(9)} ${fmt(s.rps).padStart(6)} req/s (unguarded ${fmt(s.baselineRps).padStart(6)})  ` +
        `ratio ${fmt(s.ratio, 2)}x [${fmt(s.ratioMin, 2)}-${fmt(s.ratioMax, 2)}]  p99 ${fmt(s.p99, 1)} ms  ` +
        `cpu server ${pct(s.serverCpu)} gen ${pct(s.generatorCpu)}  status ${JSON.stringify(s.codes)}` +
        (s.errors ? `  errors ${s.errors}` : '') +
        (e.freshUsed !== undefined ? `  (${e.freshUsed} of ${fresh.length} fresh tokens used)` : '') +
        (s.exhausted ? '  RAN OUT OF FRESH TOKENS: a slice stopped early' : ''),
    );
  }
}

function aggregate(slices) {
  const codes = {};
  for (const s of slices) for (const [code, n] of Object.entries(s.codes)) codes[code] = (codes[code] ?? 0) + n;
  const wall = sum(slices.map((s) => s.wallMs));
  return {
    rps: sum(slices.map((s) => s.total)) / sum(slices.map((s) => s.seconds)),
    p99: median(slices.map((s) => s.p99)),
    non2xx: sum(slices.map((s) => s.non2xx)),
    errors: sum(slices.map((s) => s.errors)),
    exhausted: slices.some((s) => s.exhausted),
    serverCpu: sum(slices.map((s) => s.serverCpuMs)) / wall,
    generatorCpu: sum(slices.map((s) => s.generatorCpuMs)) / wall,
    codes,
  };
}

function summarizeEntry(e) {
  const ratios = e.slices.map((s, i) => s.rps / e.baseline[i].rps);
  const agg = aggregate(e.slices);
  const unexpected = sum(
    Object.entries(agg.codes)
      .filter(([code]) => Number(code) !== e.expect)
      .map(([, n]) => n),
  );
  return {
    ...agg,
    unexpected,
    baselineRps: aggregate(e.baseline).rps,
    ratio: median(ratios),
    ratioMin: Math.min(...ratios),
    ratioMax: Math.max(...ratios),
  };
}

async function mintFresh() {
  // Upper bound of the fresh-token rate: a fresh token costs more than a cached one, so the best
  // same-token / pool-2000 rate (else the best unguarded rate), over warm-up + slices, +30%.
  const best = (pick) => Math.max(0, ...measured.filter(pick).flatMap((e) => e.slices.map((s) => s.rps)));
  const rate = best((e) => e.workload === 'same-token' || e.workload === 'pool-2000') || best(() => true) || 15_000;
  const count = Math.max(1000, Math.ceil((rate * (DURATION + WARMUP) * 1.3) / 1000) * 1000);
  pinSelf('0,1'); // the servers are idle now: mint on both cores
  const { tokens, ms } = await mintTokens({
    key,
    iss: issuer.issuer,
    aud: AUDIENCE,
    count,
    workers: 2,
    prefix: `fresh${Date.now()}`,
  });
  pinSelf('1');
  fresh = tokens;
  log(
    `  minted ${tokens.length} fresh tokens (${fmt(rate)} req/s, the best slice so far, x ${DURATION + WARMUP} s x 1.3) ` +
      `in ${fmt(ms / 1000, 1)} s on 2 worker threads (${fmt((tokens.length / ms) * 1000)} tokens/s)`,
  );
}

const order = WORKLOADS.length ? GUARDED.filter((w) => WORKLOADS.includes(w)) : [];
if (WORKLOADS.includes('same-token-full-cache') && !WORKLOADS.includes('fresh-tokens')) {
  log('WARN  same-token-full-cache without fresh-tokens: the cache is not full, the row is just same-token again');
}
for (const workload of order) {
  if (workload === 'fresh-tokens') await mintFresh();
  await measureWorkload(workload);
}
if (!order.length) await measureWorkload('unguarded');

// --- optional CPU profile of ours (an extra run, not in the table) -------------------------------
let profileText;
if (CPU_PROF && apps.ours) {
  if (CPU_PROF === 'fresh-tokens') await mintFresh();
  const dir = join(tmpdir(), 'nestjs-resource-server-bench');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `ours-${CPU_PROF}-${Date.now()}.cpuprofile`);
  const ask = (message) =>
    new Promise((resolve, reject) => {
      apps.ours.child.once('message', (reply) => (reply.error ? reject(new Error(reply.error)) : resolve(reply)));
      apps.ours.child.send(message);
    });
  const spec = workloadSpec[CPU_PROF]();
  if (WARMUP > 0)
    (await spec.prepare?.(apps.ours, WARMUP), await autocannonRun(apps.ours, [requestFor(spec, {})], WARMUP));
  await spec.prepare?.(apps.ours, DURATION);
  await ask({ cmd: 'start' });
  const r = await slice(apps.ours, spec, DURATION);
  await ask({ cmd: 'stop', file });
  const summary = summarize(JSON.parse(readFileSync(file, 'utf8')));
  profileText = [
    `CPU profile of ours under ${CPU_PROF} (extra ${DURATION} s run, ${fmt(r.rps)} req/s under the profiler): ${file}`,
    formatTop(summary, { title: 'top functions', top: 20 }),
    formatTop(summary, {
      title: 'top functions of the library (libs/resource-server)',
      filter: 'libs/resource-server',
      top: 15,
    }),
  ].join('\n\n');
}

for (const app of appList) await stopChild(app.child);

// --- other platforms and contexts (bench/lib/extras.mjs), one server at a time on core 0 -----------
let extras = [];
if (EXTRAS.length) {
  log('\nother platforms and contexts (paired like the table above):');
  const startServer = async (name, entry, env) => {
    const port = await freePort();
    const child = startNode({
      name,
      nodeArgs: [entry],
      env: await sampleApiEnv({ issuer: issuer.issuer, audience: AUDIENCE, port }, env),
      cpu: 0,
    });
    const app = { name, child, url: `http://127.0.0.1:${port}` };
    await waitForReady(child, `${app.url}/health`);
    return app;
  };
  const summarizePair = (slices, baseline) => {
    const ratios = slices.map((s, i) => s.rps / baseline[i].rps);
    const agg = aggregate(slices);
    return {
      ratio: median(ratios),
      min: Math.min(...ratios),
      max: Math.max(...ratios),
      rps: agg.rps,
      baselineRps: aggregate(baseline).rps,
      codes: agg.codes,
    };
  };
  extras = await measureExtras(EXTRAS, extraPairs({ sameToken }), {
    rounds: ROUNDS,
    slice: SLICE,
    warmup: WARMUP,
    log,
    tools: {
      startServer,
      stop: stopChild,
      slice,
      warm: (app, spec, seconds) => autocannonRun(app, [requestFor(spec, {})], seconds),
      summarize: summarizePair,
    },
  });
}
pinSelf('0,1');
await issuer.close();

// --- report --------------------------------------------------------------------------------------
const entry = (workload, app) => measured.find((e) => e.workload === workload && e.app === app);
/** Median over rounds of (ours slice / recipe slice) for the same workload and round. */
const oursVsRecipe = (workload, pick = (e) => e.slices) => {
  const ours = entry(workload, 'ours');
  const recipe = entry(workload, 'recipe');
  if (!ours || !recipe) return undefined;
  const a = pick(ours);
  const b = pick(recipe);
  const ratios = a.map((s, i) => s.rps / b[i].rps);
  return { ratio: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) };
};
const range = (r) => (r ? `${fmt(r.ratio, 2)}x [${fmt(r.min, 2)}-${fmt(r.max, 2)}]` : '');

const header = [
  'workload',
  'app',
  'req/s',
  'p99 ms',
  'non-2xx',
  'vs own unguarded [min-max]',
  'ours/recipe [min-max]',
  'server CPU',
  'loadgen CPU',
];
const rows = [];
for (const app of appList) {
  // The unguarded row: every baseline slice of this app, all workloads together.
  const all = measured.filter((e) => e.app === app.name).flatMap((e) => e.baseline);
  if (!all.length) continue;
  const agg = aggregate(all);
  let vs;
  if (app.name === 'ours' && apps.recipe) {
    // Every round of every workload: ours' unguarded slice against the recipe's of the same round.
    const ratios = [...new Set(measured.map((e) => e.workload))]
      .filter((w) => entry(w, 'recipe'))
      .flatMap((w) => {
        const a = entry(w, 'ours').baseline;
        const b = entry(w, 'recipe').baseline;
        return a.map((s, i) => s.rps / b[i].rps);
      });
    vs = { ratio: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) };
  }
  const rps = all.map((s) => s.rps);
  rows.push({
    sort: -1,
    cells: [
      'unguarded',
      app.name,
      fmt(agg.rps),
      fmt(agg.p99, 1),
      String(agg.non2xx),
      `1.00x [slices ${fmt(Math.min(...rps))}-${fmt(Math.max(...rps))} req/s]`,
      vs ? range(vs) : '',
      pct(agg.serverCpu),
      pct(agg.generatorCpu),
    ],
  });
}
for (const e of measured) {
  if (e.workload === 'unguarded') continue;
  const s = summarizeEntry(e);
  rows.push({
    sort: GUARDED.indexOf(e.workload),
    cells: [
      e.workload,
      e.app,
      fmt(s.rps),
      fmt(s.p99, 1),
      `${s.non2xx}${s.unexpected ? ` (${s.unexpected} unexpected!)` : ''}`,
      `${fmt(s.ratio, 2)}x [${fmt(s.ratioMin, 2)}-${fmt(s.ratioMax, 2)}]`,
      e.app === 'ours' ? range(oursVsRecipe(e.workload)) : '',
      pct(s.serverCpu),
      pct(s.generatorCpu),
    ],
  });
}
rows.sort((a, b) => a.sort - b.sort);
const cells = rows.map((r) => r.cells);
const widths = header.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i].length)));
const line = (row) => `| ${row.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
log(
  `\n${line(header)}\n|${widths.map((w, i) => (i < 2 ? `${'-'.repeat(w + 2)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
);
for (const row of cells) log(line(row));
log(
  `(req/s: requests / measured time over the ${ROUNDS} slices of ${fmt(SLICE, 1)} s; p99: median of the slices' p99; ratios: median ` +
    `over the rounds of slice / paired slice, [min-max] over the rounds; invalid-signature's expected 401s count as responses; ` +
    'CPU: share of one core during the slices)',
);
log(`issuer was asked for discovery ${issuer.counts.discovery}x and JWKS ${issuer.counts.jwks}x in total`);

const notes = [];
for (const app of appList) {
  const rps = measured.filter((e) => e.app === app.name).flatMap((e) => e.baseline.map((s) => s.rps));
  if (rps.length < 2) continue;
  const spread = Math.max(...rps) / Math.min(...rps) - 1;
  if (spread > 0.1) {
    notes.push(
      `NOTE  ${app.name} unguarded slices ranged ${fmt(Math.min(...rps))}-${fmt(Math.max(...rps))} req/s (${fmt(spread * 100)}%): ` +
        'the machine was not steady; paired ratios cancel most of it, look at their [min-max]',
    );
  }
}
const notSaturated = measured.filter((e) => summarizeEntry(e).serverCpu < 0.9);
if (notSaturated.length) {
  notes.push(
    `WARN  the server used < 90% of its core in ${notSaturated.map((e) => `${e.workload}/${e.app}`).join(', ')}: ` +
      'other work shared core 0, or the load generator was the bottleneck (see loadgen CPU)',
  );
}
for (const e of measured) {
  const s = summarizeEntry(e);
  if (s.unexpected || s.errors || s.exhausted) {
    notes.push(
      `WARN  ${e.workload}/${e.app}: ${s.unexpected} unexpected status codes ${JSON.stringify(s.codes)}, ${s.errors} errors/timeouts` +
        (s.exhausted ? ', ran out of fresh tokens' : ''),
    );
  }
}
if (notes.length) log(notes.join('\n'));

const verdicts = [];
const verdict = (label, r, target) => {
  if (!r || !Number.isFinite(r.ratio)) return verdicts.push(`SKIP  ${label}: not measured in this run`);
  verdicts.push(
    `${r.ratio >= target ? 'PASS' : 'FAIL'}  ${label}: ${fmt(r.ratio, 2)}x (target >= ${target}x; rounds ${fmt(r.min, 2)}-${fmt(r.max, 2)})`,
  );
};
const vsOwn = (workload, app = 'ours') => {
  const e = entry(workload, app);
  if (!e) return undefined;
  const s = summarizeEntry(e);
  return { ratio: s.ratio, min: s.ratioMin, max: s.ratioMax };
};
for (const [workload, target] of Object.entries(TARGETS)) {
  if (WORKLOADS.includes(workload)) verdict(`ours ${workload} vs ours unguarded`, vsOwn(workload), target);
}
for (const [workload, release] of Object.entries(RELEASE)) {
  if (WORKLOADS.includes(workload))
    verdict(`ours ${workload} vs ours unguarded, no regression from the release`, vsOwn(workload), release);
}
// With telemetry on, a repeated token must stay as cheap: the same target as without.
if (WORKLOADS.includes('same-token'))
  verdict(
    'ours-otel same-token vs ours-otel unguarded (telemetry on)',
    vsOwn('same-token', 'ours-otel'),
    TARGETS['same-token'],
  );
if (WORKLOADS.includes('fresh-tokens'))
  verdict('ours fresh-tokens vs recipe fresh-tokens', oursVsRecipe('fresh-tokens'), FRESH_VS_RECIPE);
const full = vsOwn('same-token-full-cache');
if (full) {
  verdicts.push(
    `INFO  ours same-token-full-cache vs ours unguarded: ${fmt(full.ratio, 2)}x (rounds ${fmt(full.min, 2)}-${fmt(full.max, 2)}; no target, ` +
      `same-token's is ${TARGETS['same-token']}x${full.ratio < TARGETS['same-token'] ? ': a repeated token got slower once the cache was full' : ''})`,
  );
}
for (const extra of extras) verdict(`ours ${extra.label}`, extra, EXTRA_TARGET);
log(`\n${verdicts.join('\n')}`);
if (profileText) log(`\n${profileText}`);
log(`\nthroughput part took ${fmt((performance.now() - started) / 1000, 0)} s`);

// --- socket.io event round trip ------------------------------------------------------------------
if (process.env.BENCH_SOCKETIO !== '0') {
  log('\n--- socket.io (bench/socket-io.mjs) ---');
  const child = startNode({ name: 'socket.io', nodeArgs: ['bench/socket-io.mjs'], env: {}, inherit: true });
  const { code } = await child.exited;
  if (code !== 0) log(`socket.io step exited with ${code}`);
}

// --- memory ----------------------------------------------------------------------------------------
if (MEMORY) {
  log('\n--- memory (bench/memory.mjs) ---');
  const child = startNode({ name: 'memory', nodeArgs: ['--expose-gc', 'bench/memory.mjs'], env: {}, inherit: true });
  const { code } = await child.exited;
  if (code !== 0) log(`memory step exited with ${code}`);
}
await stopAll();
log(`\nbench finished in ${fmt((performance.now() - started) / 1000, 0)} s`);
process.exit(0);
