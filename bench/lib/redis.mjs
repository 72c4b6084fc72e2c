// A throwaway redis-server (Debian package) for the benchmark: loopback, free port, no persistence.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canPin, freePort } from './procs.mjs';

/** Starts redis-server (pinned to `cpu` when possible); resolves once it accepts connections. */
export async function startRedisServer({ cpu } = {}) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bench-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'];
  const pinned = canPin && cpu !== undefined;
  const child = spawn(
    pinned ? 'taskset' : 'redis-server',
    pinned ? ['-c', String(cpu), 'redis-server', ...args] : args,
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${output}`)), 10_000);
    child.once('error', (error) =>
      reject(new Error(`redis-server could not be started (${error.message}): apt-get install redis-server`)),
    );
    child.once('exit', () => reject(new Error(`redis-server exited:\n${output}`)));
    child.stdout.on('data', (chunk) => {
      output += chunk;
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid,
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
