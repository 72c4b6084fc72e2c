// DPoP for the benchmark: a client key (ES256, what panva's dpop client and oidc-provider default
// to), a token bound to it (cnf.jkt), and fresh proofs (RFC 9449 §4.2) minted on worker threads just
// before they are used: a proof is valid for 60 s and only once, as a real client makes them.
import { createHash, generateKeyPairSync } from 'node:crypto';
import { Worker } from 'node:worker_threads';

/** An ES256 client key: the private key as PKCS#8 PEM (for workers), the public JWK and its RFC 7638 thumbprint. */
export function generateDpopKey() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { kty, crv, x, y } = publicKey.export({ format: 'jwk' });
  const jwk = { kty, crv, x, y };
  const jkt = createHash('sha256').update(JSON.stringify({ crv, kty, x, y })).digest('base64url');
  return { pkcs8: privateKey.export({ type: 'pkcs8', format: 'pem' }), jwk, jkt };
}

let batch = 0;

/** `count` distinct proofs for GET `htu` with `token`, on `workers` threads; resolves to an array. */
export async function mintProofs({ key, htu, token, count, workers = 2 }) {
  const started = performance.now();
  const ath = createHash('sha256').update(token).digest('base64url');
  const prefix = `p${process.pid}-${Date.now().toString(36)}-${batch++}`;
  const per = Math.ceil(count / workers);
  const parts = await Promise.all(
    Array.from({ length: workers }, (_, w) => {
      const n = Math.max(0, Math.min(per, count - w * per));
      if (n === 0) return Promise.resolve('');
      return new Promise((resolve, reject) => {
        const worker = new Worker(new URL('./dpop-worker.mjs', import.meta.url), {
          workerData: { pkcs8: key.pkcs8, jwk: key.jwk, htu, ath, prefix: `${prefix}-${w}`, count: n },
        });
        worker.once('message', resolve);
        worker.once('error', reject);
        worker.once('exit', (code) => code !== 0 && reject(new Error(`dpop worker exited with ${code}`)));
      });
    }),
  );
  const joined = parts.filter(Boolean).join('\n');
  return { proofs: joined === '' ? [] : joined.split('\n'), ms: performance.now() - started };
}
