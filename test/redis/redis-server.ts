/**
 * A real Redis for the shared-state suites: Debian's `redis-server`, started on a free loopback port
 * with its own empty data directory and no persistence, stopped (or killed, to test outages) by the suite.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A running Redis. */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** SIGKILL: the state is gone, as after a crash (there is no persistence). */
  kill(): Promise<void>;
  /** Starts again, empty, on the same port. */
  start(): Promise<void>;
  /** Kills it and removes its data directory. */
  close(): Promise<void>;
}

/**
 * A free port below Linux's ephemeral range (32768-60999). Clients that keep reconnecting to a port
 * of that range where nothing listens (Redis killed) can end up connected to themselves (TCP
 * simultaneous open on the same source port), and the restarted redis-server then cannot bind it.
 */
async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const server = createServer();
    const bound = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (!bound) continue;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
  }
  throw new Error('no free port between 20000 and 32000');
}

function launch(port: number, dir: string): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
      '--protected-mode',
      'yes',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${output}`)), 10_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(
        new Error(`redis-server could not be started (${error.message}): install it with apt-get install redis-server`),
      );
    });
  });
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

/** Starts a Redis on a free port (or only picks the port, `{ running: false }`, to start it later). */
export async function startRedis(options: { running?: boolean } = {}): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'nrs-redis-'));
  let child: ChildProcess | undefined = options.running === false ? undefined : await launch(port, dir);
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill: async () => {
      await stop(child);
      child = undefined;
    },
    start: async () => {
      child = await launch(port, dir);
    },
    close: async () => {
      await stop(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
