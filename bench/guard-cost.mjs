// npm run bench:guard: what the library costs per call, without HTTP. The sample API's module is
// created in this process (no listening socket), and AccessTokenGuard.canActivate runs on Nest
// execution contexts of GET /messages (@Scopes('read:messages')), built the way Nest builds them:
//   cached   the same token every call (verified-token cache hit: the hot path)
//   pool     2,000 tokens in turn (cache hits on 2,000 entries)
//   fresh    never-repeated tokens (full verification: RS256 signature, claims)
// Each request object is new, as in a server. Rounds alternate the kinds; the median per kind is
// printed, in µs per call. These numbers move with the machine's speed like any other: compare kinds
// and builds within one run, not across runs.
//
// Run: node bench/guard-cost.mjs   (after npm run build; pinned to one core when taskset exists)
// Env: BENCH_GUARD_CALLS (calls per round and kind, default 20 000; fresh: a tenth),
//      BENCH_GUARD_ROUNDS (default 7).
import 'reflect-metadata';
import { NestFactory, Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { fileURLToPath } from 'node:url';
import { benchTokenSet } from './lib/mint.mjs';
import { pinSelf } from './lib/procs.mjs';

process.chdir(fileURLToPath(new URL('..', import.meta.url)));
const CALLS = Number(process.env.BENCH_GUARD_CALLS || 20_000);
const ROUNDS = Number(process.env.BENCH_GUARD_ROUNDS || 7);
const FRESH_CALLS = Math.max(100, Math.floor(CALLS / 10));
const AUDIENCE = 'https://bench.api.example';

const { issuer, same, pool, fresh } = await benchTokenSet({
  kid: 'bench-guard',
  audience: AUDIENCE,
  freshCount: FRESH_CALLS * (ROUNDS + 1),
});
pinSelf('0');

Object.assign(process.env, { OIDC_ISSUER: issuer.issuer, OIDC_AUDIENCE: AUDIENCE, NODE_ENV: 'production' });
const { AppModule } = await import('../apps/sample-api/dist/app.module.js');
const { MessagesController } = await import('../apps/sample-api/dist/messages/messages.controller.js');
const { AccessTokenGuard, AuthorizationPipeline } = await import('nestjs-resource-server');
const app = await NestFactory.create(AppModule, { logger: ['error'] });
await app.init();
const guard = new AccessTokenGuard(app.get(Reflector), app.get(AuthorizationPipeline, { strict: false }));

/** The context Nest builds for one HTTP call of GET /messages, with a new request object. */
function contextFor(token) {
  const authorization = `Bearer ${token}`;
  const request = {
    method: 'GET',
    url: '/messages',
    headers: { host: '127.0.0.1:3000', authorization, accept: '*/*' },
    rawHeaders: ['Host', '127.0.0.1:3000', 'Authorization', authorization, 'Accept', '*/*'],
    query: {},
  };
  const context = new ExecutionContextHost(
    [request, { header() {}, setHeader() {} }, () => undefined],
    MessagesController,
    MessagesController.prototype.list,
  );
  context.setType('http');
  return context;
}

let poolCursor = 0;
const kinds = {
  cached: { calls: CALLS, next: () => same },
  pool: { calls: CALLS, next: () => pool[poolCursor++ % pool.length] },
  fresh: { calls: FRESH_CALLS, next: () => fresh.pop() },
};

async function measure({ calls, next }) {
  const contexts = Array.from({ length: calls }, () => contextFor(next()));
  const started = process.hrtime.bigint();
  for (const context of contexts) {
    const admitted = guard.canActivate(context);
    if ((admitted === true ? true : await admitted) !== true) throw new Error('a valid token was refused');
  }
  return Number(process.hrtime.bigint() - started) / calls / 1000;
}

// Warm-up: every kind once (fills the pool's cache entries, compiles the paths).
for (const token of pool) await guard.canActivate(contextFor(token));
for (const kind of Object.values(kinds)) await measure(kind);

const results = Object.fromEntries(Object.keys(kinds).map((name) => [name, []]));
for (let round = 0; round < ROUNDS; round++) {
  const order = Object.keys(kinds);
  if (round % 2 === 1) order.reverse();
  for (const name of order) results[name].push(await measure(kinds[name]));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`AccessTokenGuard.canActivate, in process, ${ROUNDS} rounds (median [min-max], µs per call):`);
for (const [name, xs] of Object.entries(results)) {
  const calls = kinds[name].calls;
  console.log(
    `  ${name.padEnd(7)} ${median(xs).toFixed(2).padStart(7)} µs  [${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)}]  (${calls} calls per round)`,
  );
}
await app.close();
await issuer.close();
process.exit(0);
