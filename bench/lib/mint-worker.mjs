// Worker: signs tokens [from, from + count) and posts them back joined by '\n' (one string to copy).
import { createPrivateKey } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { benchClaims, signRs256 } from './jwt.mjs';

const { pkcs8, kid, iss, aud, prefix, from, count, now, ttl } = workerData;
const privateKey = createPrivateKey(pkcs8);
const out = new Array(count);
for (let i = 0; i < count; i++)
  out[i] = signRs256(privateKey, kid, benchClaims({ iss, aud, prefix, seq: from + i, now, ttl }));
parentPort.postMessage(out.join('\n'));
