// npm run bench:compare -- <git revision>: the sample API of another revision against this working
// tree's, in the same run, on the same machine. A ratio measured on another day compares two
// machines (this one drifts by 20-200 %); this is how "no regression from the release" is checked.
//
// The other revision is checked out in a temporary git worktree, linked to this repository's
// node_modules (its own library linked as `nestjs-resource-server`) and built with its own
// `npm run build`; it must build with today's dependencies. Both apps run pinned to core 0 and are
// measured in interleaved slices, ABBA order, each workload against the app's own unguarded
// GET /health (the ratio the README reports): same-token, pool-2000 (2,000 tokens in turn) and
// fresh-tokens (never repeated; each app has its own cursor over one minted list).
//
// Run: npm run bench:compare -- 849ea21   (builds this tree first)
// Env: BENCH_ROUNDS (default 12), BENCH_SLICE (s, default 2), BENCH_CONNECTIONS (default 50),
//      BENCH_COMPARE_WORKLOADS (comma list, default same-token,pool-2000,fresh-tokens).
import autocannon from 'autocannon';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, symlinkSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchTokenSet } from './lib/mint.mjs';
import { freePort, installCleanup, pinSelf, sampleApiEnv, startNode, waitForReady } from './lib/procs.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
process.chdir(ROOT);
const revision = process.argv[2];
if (!revision) {
  console.error('usage: npm run bench:compare -- <git revision>   (e.g. the last release commit)');
  process.exit(2);
}
const ROUNDS = Math.max(2, Number(process.env.BENCH_ROUNDS || 12));
const SLICE = Math.max(1, Number(process.env.BENCH_SLICE || 2));
const CONNECTIONS = Math.max(1, Number(process.env.BENCH_CONNECTIONS || 50));
const ALL = ['same-token', 'pool-2000', 'fresh-tokens'];
const WORKLOADS = (process.env.BENCH_COMPARE_WORKLOADS || ALL.join(',')).split(',').map((w) => w.trim());
for (const w of WORKLOADS) if (!ALL.includes(w)) throw new Error(`unknown workload ${w} (choose from ${ALL})`);
const AUDIENCE = 'https://bench.api.example';

// --- the other revision, built in a worktree ------------------------------------------------------
const worktree = mkdtempSync(join(tmpdir(), 'nrs-compare-'));
const git = (...args) =>
  execFileSync('git', args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] })
    .toString()
    .trim();
const commit = git('rev-parse', '--short', `${revision}^{commit}`);
git('worktree', 'add', '--detach', '--force', worktree, commit);
process.on('exit', () => {
  try {
    execFileSync('git', ['worktree', 'remove', '--force', worktree], { cwd: ROOT, stdio: 'ignore' });
  } catch {
    rmSync(worktree, { recursive: true, force: true });
  }
});
installCleanup();
mkdirSync(join(worktree, 'node_modules'));
for (const name of readdirSync(join(ROOT, 'node_modules'))) {
  if (name === 'nestjs-resource-server') continue;
  symlinkSync(join(ROOT, 'node_modules', name), join(worktree, 'node_modules', name));
}
symlinkSync('../libs/resource-server', join(worktree, 'node_modules', 'nestjs-resource-server'));
console.log(`building ${commit} in ${worktree} ...`);
execFileSync('npm', ['run', 'build', '--silent'], { cwd: worktree, stdio: 'inherit' });

// --- issuer, tokens, the two apps -------------------------------------------------------------------
// Fresh tokens for warm-up + every round, at up to 6,000 req/s, +30 %; each app has its own cursor.
const freshCount = WORKLOADS.includes('fresh-tokens') ? Math.ceil(6000 * SLICE * (ROUNDS + 1) * 1.3) : 0;
const { issuer, same, pool, fresh } = await benchTokenSet({ kid: 'bench-compare', audience: AUDIENCE, freshCount });
const apps = [];
for (const [name, dir] of [
  [commit, worktree],
  ['this tree', ROOT],
]) {
  const port = await freePort();
  const child = startNode({
    name,
    nodeArgs: [join(dir, 'apps/sample-api/dist/main.js')],
    env: await sampleApiEnv({ issuer: issuer.issuer, audience: AUDIENCE, port }),
    cpu: 0,
  });
  const app = { name, url: `http://127.0.0.1:${port}`, child, freshCursor: 0 };
  await waitForReady(child, `${app.url}/health`);
  apps.push(app);
}
pinSelf('1');

const tokenFor = {
  'same-token': () => () => same,
  'pool-2000': () => {
    let i = 0;
    return () => pool[i++ % pool.length];
  },
  'fresh-tokens': (app) => () => {
    if (app.freshCursor >= fresh.length) throw new Error('ran out of fresh tokens: lower BENCH_ROUNDS or BENCH_SLICE');
    return fresh[app.freshCursor++];
  },
};
function slice(app, workload, seconds) {
  const next = workload && tokenFor[workload](app);
  const request = { method: 'GET', path: workload ? '/messages' : '/health' };
  if (next)
    request.setupRequest = (req) => ({ ...req, headers: { ...req.headers, authorization: `Bearer ${next()}` } });
  return new Promise((resolve, reject) =>
    autocannon({ url: app.url, connections: CONNECTIONS, duration: seconds, requests: [request] }, (error, r) => {
      if (error) return reject(error);
      if (r.non2xx || r.errors || r.timeouts) return reject(new Error(`${app.name} ${workload}: non-2xx or errors`));
      resolve(r.requests.total / r.duration);
    }),
  );
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
console.log(
  `\n${commit} vs this tree: ${ROUNDS} rounds of ${SLICE} s slices per workload and app (ABBA), ${CONNECTIONS} connections`,
);
for (const workload of WORKLOADS) {
  for (const app of apps) await slice(app, workload, SLICE); // warm-up
  const ratios = new Map(apps.map((app) => [app, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? apps : [...apps].reverse();
    for (const app of order) {
      const first = round % 2 === 0 ? undefined : workload;
      const a = await slice(app, first, SLICE);
      const b = await slice(app, first ? undefined : workload, SLICE);
      ratios.get(app).push(first ? a / b : b / a);
    }
  }
  const [old, now] = apps.map((app) => ratios.get(app));
  const fmt = (xs) =>
    `${median(xs).toFixed(2)}x [${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)}]`.padEnd(20);
  const verdict = median(now) >= median(old) ? 'PASS' : 'FAIL';
  console.log(
    `${verdict}  ${workload.padEnd(13)} vs own unguarded: ${commit} ${fmt(old)} this tree ${fmt(now)}` +
      ` (this tree's ratio at or above ${commit}'s)`,
  );
}
await issuer.close();
process.exit(0);
