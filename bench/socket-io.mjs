// The socket.io step of `npm run bench`: an event round trip (emit with acknowledgement) with a
// per-event check (`@Scopes('read:messages')`, one token repeated) against the same event marked
// `@Public()`, on the same connections. Server (bench/socketio/server.mjs) pinned to core 0, the
// clients (socket.io-client, in this process) to core 1; paired, interleaved slices as in run.mjs.
//
// Env: BENCH_DURATION (measured s per event, default 10), BENCH_ROUNDS (default 5), BENCH_WARMUP
//      (s, default 2), BENCH_SOCKETS (concurrent sockets, each with one event in flight, default 50).
import { io } from 'socket.io-client';
import { fileURLToPath } from 'node:url';
import { startIssuer } from './lib/issuer.mjs';
import { benchClaims, generateRsaKey, signRs256 } from './lib/jwt.mjs';
import { freePort, installCleanup, pinSelf, sampleApiEnv, startNode, stopAll, waitForReady } from './lib/procs.mjs';

process.chdir(fileURLToPath(new URL('..', import.meta.url)));
const num = (name, fallback) => (process.env[name] ? Number(process.env[name]) : fallback);
const DURATION = num('BENCH_DURATION', 10);
const ROUNDS = Math.max(1, Math.floor(num('BENCH_ROUNDS', 5)));
const WARMUP = num('BENCH_WARMUP', 2);
const SOCKETS = Math.max(1, Math.floor(num('BENCH_SOCKETS', 50)));
const SLICE = DURATION / ROUNDS;
const TARGET = 0.9;
const AUDIENCE = 'https://bench.api.example';
const fmt = (n, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

installCleanup();
const key = generateRsaKey('bench-rs256');
const issuer = await startIssuer({ keys: [key] });
const token = signRs256(
  key.privateKey,
  key.kid,
  benchClaims({ iss: issuer.issuer, aud: AUDIENCE, prefix: 'socketio', seq: 0 }),
);
const port = await freePort();
const server = startNode({
  name: 'socket.io',
  nodeArgs: ['bench/socketio/server.mjs'],
  env: await sampleApiEnv({ issuer: issuer.issuer, audience: AUDIENCE, port }),
  cpu: 0,
});
await waitForReady(server, `http://127.0.0.1:${port}/health`);
pinSelf('1');

const connect = () =>
  new Promise((resolve, reject) => {
    const socket = io(`http://127.0.0.1:${port}/bench`, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      auth: { token },
    });
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
const sockets = await Promise.all(Array.from({ length: SOCKETS }, connect));

/** Every socket keeps one `event` in flight for `seconds`; resolves with round trips per second. */
function slice(event, seconds) {
  return new Promise((resolve, reject) => {
    let count = 0;
    let running = true;
    const startedAt = performance.now();
    const loop = (socket) =>
      socket.emit(event, {}, (ack) => {
        if (!Array.isArray(ack)) return reject(new Error(`${event}: unexpected ack ${JSON.stringify(ack)}`));
        count++;
        if (running) loop(socket);
      });
    const refused = (exception) => reject(new Error(`${event} refused: ${JSON.stringify(exception)}`));
    for (const socket of sockets) socket.once('exception', refused);
    for (const socket of sockets) loop(socket);
    setTimeout(() => {
      running = false;
      for (const socket of sockets) socket.off('exception', refused);
      // In-flight events still land in `count`, so wait for them before taking the time.
      setTimeout(() => resolve((count / (performance.now() - startedAt)) * 1000), 50);
    }, seconds * 1000);
  });
}

console.log(
  `socket.io event round trip: ${SOCKETS} sockets, ${DURATION} s per event as ${ROUNDS} paired slices (+${WARMUP} s warm-up)`,
);
if (WARMUP > 0) {
  await slice('open', WARMUP / 2);
  await slice('guarded', WARMUP / 2);
}
const rounds = [];
for (let round = 0; round < ROUNDS; round++) {
  // ABBA: odd rounds measure the guarded event first, so a steady drift favours neither side.
  const first = round % 2 === 0 ? 'open' : 'guarded';
  const a = await slice(first, SLICE);
  const b = await slice(first === 'open' ? 'guarded' : 'open', SLICE);
  const [open, guarded] = first === 'open' ? [a, b] : [b, a];
  rounds.push({ open, guarded, ratio: guarded / open });
}
for (const socket of sockets) socket.close();
await stopAll();
await issuer.close();

const ratios = rounds.map((r) => r.ratio);
const ratio = median(ratios);
console.log(`  open (@Public)          ${fmt(median(rounds.map((r) => r.open)))} events/s (median of the slices)`);
console.log(`  guarded (@Scopes)       ${fmt(median(rounds.map((r) => r.guarded)))} events/s`);
console.log(
  `${ratio >= TARGET ? 'PASS' : 'FAIL'}  socket.io event with a per-event check vs the same event @Public(): ${fmt(ratio, 2)}x ` +
    `(target >= ${TARGET}x; rounds ${fmt(Math.min(...ratios), 2)}-${fmt(Math.max(...ratios), 2)})`,
);
process.exit(0);
