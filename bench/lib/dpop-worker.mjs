// Worker: signs `count` DPoP proofs (ES256, IEEE P1363 signatures) and posts them back '\n'-joined.
import { createPrivateKey, sign } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';

const { pkcs8, jwk, htu, ath, prefix, count } = workerData;
const privateKey = createPrivateKey(pkcs8);
const header = Buffer.from(JSON.stringify({ typ: 'dpop+jwt', alg: 'ES256', jwk })).toString('base64url');
const iat = Math.floor(Date.now() / 1000);
const out = new Array(count);
for (let i = 0; i < count; i++) {
  const payload = Buffer.from(JSON.stringify({ jti: `${prefix}-${i}`, htm: 'GET', htu, iat, ath })).toString(
    'base64url',
  );
  const input = `${header}.${payload}`;
  out[i] =
    `${input}.${sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}
parentPort.postMessage(out.join('\n'));
