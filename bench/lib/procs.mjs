// Child processes of the benchmark: spawn pinned to a core, wait for readiness, always clean up.
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { availableParallelism } from 'node:os';

const children = new Set();

/** `taskset` is usable and there are at least two cores to split between server and load generator. */
export const canPin = availableParallelism() >= 2 && !spawnSync('taskset', ['--version']).error;

/** Restricts every thread of this process (and threads / children started later) to `cpus` ("1", "0,1"). */
export function pinSelf(cpus) {
  if (!canPin) return false;
  return spawnSync('taskset', ['-a', '-cp', cpus, String(process.pid)], { stdio: 'ignore' }).status === 0;
}

/**
 * The environment of a sample API (or of an app with the same settings) serving on `port`: its
 * issuer and audience, production mode, and a free port of its own for the TCP microservice
 * (RPC_PORT; never the default, which another process may hold). `extra` is added last.
 */
export async function sampleApiEnv({ issuer, audience, port }, extra = {}) {
  return {
    OIDC_ISSUER: issuer,
    OIDC_AUDIENCE: audience,
    PORT: String(port),
    RPC_PORT: String(await freePort()),
    NODE_ENV: 'production',
    ...extra,
  };
}

export async function freePort() {
  const server = createServer();
  await new Promise((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Starts `node ...nodeArgs` (through `taskset -c cpu` when possible). Output is kept (last lines)
 * for error reports, and echoed when `echo` is set.
 */
export function startNode({ name, nodeArgs, env, cpu, echo = false, ipc = false, inherit = false }) {
  const cmd = canPin && cpu !== undefined ? 'taskset' : process.execPath;
  const args = canPin && cpu !== undefined ? ['-c', String(cpu), process.execPath, ...nodeArgs] : nodeArgs;
  const child = spawn(cmd, args, {
    env: { ...process.env, ...env },
    stdio: [
      inherit ? 'inherit' : 'ignore',
      inherit ? 'inherit' : 'pipe',
      inherit ? 'inherit' : 'pipe',
      ...(ipc ? ['ipc'] : []),
    ],
  });
  const tail = [];
  const keep = (chunk) => {
    for (const line of chunk.toString().split('\n')) if (line.trim()) tail.push(line);
    if (tail.length > 60) tail.splice(0, tail.length - 60);
    if (echo) process.stderr.write(`[${name}] ${chunk}`);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  child.exited.then(() => children.delete(child));
  child.label = name;
  child.tail = () => tail.join('\n');
  children.add(child);
  return child;
}

/** Polls `url` until it answers 200; fails fast with the child's output if it exits first. */
export async function waitForReady(child, url, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let exited;
  child.exited.then((result) => (exited = result));
  while (Date.now() < deadline) {
    if (exited)
      throw new Error(`${child.label} exited (${exited.code ?? exited.signal}) before it was ready:\n${child.tail()}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${child.label} not ready at ${url} after ${timeoutMs} ms:\n${child.tail()}`);
}

/** SIGTERM, then SIGKILL after `graceMs`. Resolves once the child is gone. */
export async function stopChild(child, graceMs = 3000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await child.exited;
  clearTimeout(timer);
}

export const stopAll = () => Promise.all([...children].map((c) => stopChild(c)));

let installed = false;
/** Children are stopped on normal exit, SIGINT/SIGTERM, and uncaught errors. */
export function installCleanup() {
  if (installed) return;
  installed = true;
  process.on('exit', () => {
    for (const child of children) child.kill('SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(signal, async () => {
      process.stderr.write(`\n${signal}: stopping ${children.size} child process(es)\n`);
      await stopAll();
      process.exit(130);
    });
  }
  const fail = async (error) => {
    process.stderr.write(`\nbench failed: ${error?.stack ?? error}\n`);
    await stopAll();
    process.exit(1);
  };
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);
}
