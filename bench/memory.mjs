// npm run bench:memory (also the last step of npm run bench): the verified-token cache stays bounded.
// In one process: a local issuer, the BUILT library (libs/resource-server/dist) in a tiny Nest app
// listening on a port, then BENCH_MEMORY_TOKENS (default 100 000) distinct valid tokens through it,
// with heapUsed / RSS after a full GC before, during and after, and the cache's entry count.
//
// Run: node --expose-gc bench/memory.mjs   (after npm run build)
// Env: BENCH_MEMORY_TOKENS (default 100000), BENCH_MEMORY_MAX_ENTRIES (default: the library default,
//      10 000), BENCH_MEMORY_HTTP=1 (send every token over HTTP instead of calling the verifier),
//      BENCH_MEMORY_CONCURRENCY (default 20).
import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { fileURLToPath } from 'node:url';
import { startIssuer } from './lib/issuer.mjs';
import { generateRsaKey } from './lib/jwt.mjs';
import { mintJoined } from './lib/mint.mjs';

if (typeof globalThis.gc !== 'function') {
  console.error('bench/memory.mjs needs --expose-gc: node --expose-gc bench/memory.mjs');
  process.exit(2);
}
process.chdir(fileURLToPath(new URL('..', import.meta.url)));

const TOKENS = Number(process.env.BENCH_MEMORY_TOKENS || 100_000);
const MAX_ENTRIES = process.env.BENCH_MEMORY_MAX_ENTRIES ? Number(process.env.BENCH_MEMORY_MAX_ENTRIES) : undefined;
const VIA_HTTP = process.env.BENCH_MEMORY_HTTP === '1';
const CONCURRENCY = Number(process.env.BENCH_MEMORY_CONCURRENCY || 20);
const AUDIENCE = 'https://bench.api.example';
const MB = 1024 * 1024;
const fmtMb = (bytes) => `${(bytes / MB).toFixed(1)} MB`;

const { AccessTokenGuard, AccessTokenVerifier, Public, ResourceServerModule } =
  await import('../libs/resource-server/dist/esm/index.js');

const started = performance.now();
const key = generateRsaKey('bench-memory');
const issuer = await startIssuer({ keys: [key] });

// The tokens live in one Buffer (outside the JS heap): each is turned into a fresh string only when
// it is sent, so heapUsed measures what the server keeps, not the benchmark's own token list.
const { joined, ms: mintMs } = await mintJoined({
  key,
  iss: issuer.issuer,
  aud: AUDIENCE,
  count: TOKENS,
  workers: 2,
  prefix: 'mem',
});
const tokenBytes = Buffer.from(joined, 'latin1');
const offsets = new Uint32Array(TOKENS + 1);
for (let i = 0, at = 0; i < TOKENS; i++) {
  offsets[i] = at;
  const nl = tokenBytes.indexOf(10, at);
  at = nl === -1 ? tokenBytes.length + 1 : nl + 1;
  offsets[i + 1] = at;
}
const tokenAt = (i) => tokenBytes.toString('latin1', offsets[i], offsets[i + 1] - 1);
console.log(
  `minted ${TOKENS} distinct RS256 tokens (~${Math.round(tokenBytes.length / TOKENS)} chars each) in ${(mintMs / 1000).toFixed(1)} s on 2 worker threads`,
);

// A tiny app: the library as a user would wire it, one guarded and one public route.
class HelloController {
  hello() {
    return { ok: true };
  }
  health() {
    return { status: 'ok' };
  }
}
const decorate = (cls, name, ...decorators) => {
  const descriptor = Object.getOwnPropertyDescriptor(cls.prototype, name);
  for (const d of decorators.reverse()) d(cls.prototype, name, descriptor);
};
decorate(HelloController, 'hello', Get('hello'));
decorate(HelloController, 'health', Public(), Get('health'));
Controller()(HelloController);
Reflect.defineMetadata('design:paramtypes', [], HelloController);

class MemoryBenchModule {}
Module({
  imports: [
    ResourceServerModule.forRoot({
      issuer: issuer.issuer,
      audience: AUDIENCE,
      warmUp: true,
      ...(MAX_ENTRIES !== undefined ? { verifiedTokenCache: { maxEntries: MAX_ENTRIES } } : {}),
    }),
  ],
  controllers: [HelloController],
  providers: [{ provide: APP_GUARD, useExisting: AccessTokenGuard }],
})(MemoryBenchModule);

const app = await NestFactory.create(MemoryBenchModule, { logger: ['error', 'warn'] });
await app.listen(0, '127.0.0.1');
const url = await app.getUrl();
const verifier = app.get(AccessTokenVerifier);

// Internal, read-only: the verifier's VerifiedTokenCache wraps an LruCache (`entries`). Not public
// API, so a refactor may hide it; the bench then says so instead of failing.
const lru = () => verifier.cache?.entries;
const cacheSize = () => lru()?.size;
const maxEntries = lru()?.maxEntries ?? MAX_ENTRIES ?? 10_000;

const get = async (path, token) => {
  const res = await fetch(`${url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  await res.arrayBuffer();
  return res.status;
};
const sanity = [await get('/health'), await get('/hello'), await get('/hello', tokenAt(0))];
if (sanity.join() !== '200,401,200')
  throw new Error(`sanity check failed: /health, /hello (no token), /hello (token) answered ${sanity}`);
lru()?.clear();

const measure = () => {
  globalThis.gc();
  globalThis.gc();
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, rss: m.rss, external: m.external, entries: cacheSize() };
};

async function send(from, to) {
  let next = from;
  let failures = 0;
  const lane = async () => {
    while (next < to) {
      const i = next++;
      if (VIA_HTTP) {
        if ((await get('/hello', tokenAt(i))) !== 200) failures++;
      } else {
        try {
          await verifier.verify(tokenAt(i));
        } catch {
          failures++;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  if (failures) throw new Error(`${failures} of tokens ${from}..${to} were refused`);
}

const before = measure();
const checkpoints = [];
const sendStarted = performance.now();
const steps = [0.1, 0.25, 0.5, 1].map((f) => Math.round(TOKENS * f));
let done = 0;
for (const upTo of steps) {
  await send(done, upTo);
  done = upTo;
  checkpoints.push({ tokens: done, ...measure() });
}
const sendMs = performance.now() - sendStarted;
const after = checkpoints[checkpoints.length - 1];

console.log(
  `sent ${TOKENS} tokens ${VIA_HTTP ? `over HTTP (keep-alive fetch, ${CONCURRENCY} concurrent)` : `to AccessTokenVerifier.verify() (${CONCURRENCY} concurrent)`} ` +
    `in ${(sendMs / 1000).toFixed(1)} s (${Math.round((TOKENS / sendMs) * 1000)} tokens/s)`,
);
console.log('\n| after tokens | heapUsed | RSS | external | cache entries |');
console.log('|---:|---:|---:|---:|---:|');
for (const c of [{ tokens: 0, ...before }, ...checkpoints]) {
  console.log(
    `| ${c.tokens} | ${fmtMb(c.heapUsed)} | ${fmtMb(c.rss)} | ${fmtMb(c.external)} | ${c.entries ?? 'n/a'} |`,
  );
}
const cached = Math.min(TOKENS, maxEntries);
const perEntry = (after.heapUsed - before.heapUsed) / cached;
console.log(
  `\nheapUsed ${fmtMb(before.heapUsed)} -> ${fmtMb(after.heapUsed)} (+${fmtMb(after.heapUsed - before.heapUsed)}), ` +
    `RSS ${fmtMb(before.rss)} -> ${fmtMb(after.rss)} (+${fmtMb(after.rss - before.rss)})`,
);
console.log(
  `footprint per cached token ~ ${Math.round(perEntry)} bytes of heap ((heapAfter - heapBefore) / min(${TOKENS}, maxEntries ${maxEntries}) = ${cached}); ` +
    `a full cache ~ ${fmtMb(perEntry * maxEntries)}`,
);
const size = cacheSize();
if (size === undefined) console.log('SKIP  cache bound: the cache size is not observable (internal fields changed)');
else console.log(`${size <= maxEntries ? 'PASS' : 'FAIL'}  cache bound: ${size} entries <= maxEntries ${maxEntries}`);
const growthLastHalf = after.heapUsed - checkpoints[checkpoints.length - 2].heapUsed;
const flat = growthLastHalf <= Math.max(MB, 0.05 * (after.heapUsed - before.heapUsed));
console.log(
  `${flat ? 'PASS' : 'FAIL'}  heap flat once the cache is full: ${growthLastHalf >= 0 ? '+' : ''}${fmtMb(growthLastHalf)} ` +
    `over the last ${TOKENS - steps[steps.length - 2]} tokens`,
);

await app.close();
await issuer.close();
console.log(`memory step took ${((performance.now() - started) / 1000).toFixed(0)} s`);
process.exit(0);
