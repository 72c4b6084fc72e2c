// Parallel minting of many distinct RS256 tokens with worker_threads (RSA signing ~0.25 ms each).
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { startIssuer } from './issuer.mjs';
import { benchClaims, generateRsaKey, signRs256 } from './jwt.mjs';

let prefixCounter = 0;

/**
 * Mints `count` distinct valid tokens on `workers` threads. Resolves to one '\n'-joined string
 * (callers split it, or keep it outside the JS heap as a Buffer) and the time it took.
 */
export async function mintJoined({
  key,
  iss,
  aud,
  count,
  workers = Math.min(2, availableParallelism()),
  ttl = 3600,
  prefix,
}) {
  const started = performance.now();
  const pkcs8 = key.privateKey.export({ type: 'pkcs8', format: 'pem' });
  const now = Math.floor(Date.now() / 1000);
  prefix ??= `t${process.pid}-${Date.now().toString(36)}-${prefixCounter++}`;
  const per = Math.ceil(count / workers);
  const parts = await Promise.all(
    Array.from({ length: workers }, (_, w) => {
      const from = w * per;
      const n = Math.max(0, Math.min(per, count - from));
      if (n === 0) return Promise.resolve('');
      return new Promise((resolve, reject) => {
        const worker = new Worker(new URL('./mint-worker.mjs', import.meta.url), {
          workerData: { pkcs8, kid: key.kid, iss, aud, prefix, from, count: n, now, ttl },
        });
        worker.once('message', resolve);
        worker.once('error', reject);
        worker.once('exit', (code) => code !== 0 && reject(new Error(`mint worker exited with ${code}`)));
      });
    }),
  );
  return { joined: parts.filter(Boolean).join('\n'), ms: performance.now() - started };
}

/** Same as {@link mintJoined}, as an array of token strings. */
export async function mintTokens(options) {
  const { joined, ms } = await mintJoined(options);
  return { tokens: joined === '' ? [] : joined.split('\n'), ms };
}

/**
 * A local issuer with one RS256 key and the token kinds of the benchmarks: `same` (one token, to
 * repeat), `pool` (2,000 distinct tokens) and `fresh` (`freshCount` more, never to be repeated).
 */
export async function benchTokenSet({ kid, audience, freshCount }) {
  const key = generateRsaKey(kid);
  const issuer = await startIssuer({ keys: [key] });
  const iss = issuer.issuer;
  const same = signRs256(key.privateKey, key.kid, benchClaims({ iss, aud: audience, prefix: 's', seq: 0 }));
  const { tokens: pool } = await mintTokens({ key, iss, aud: audience, count: 2000, prefix: 'p' });
  const { tokens: fresh } = await mintTokens({ key, iss, aud: audience, count: freshCount, prefix: 'f' });
  return { issuer, same, pool, fresh };
}
