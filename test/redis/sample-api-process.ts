/**
 * The built sample API (apps/sample-api/dist, `npm run build`) as a separate process, the way it is
 * deployed: configured through the environment, stopped with SIGTERM.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';

const MAIN = 'apps/sample-api/dist/main.js';

/** One running instance. */
export interface SampleApiProcess {
  readonly url: string;
  /** `fetch` against this instance, `Authorization: Bearer <token>` when a token is given. */
  call(path: string, token?: string, init?: RequestInit): Promise<Response>;
  /** What it printed so far (stdout and stderr). */
  output(): string;
  close(): Promise<void>;
}

/** A free loopback TCP port. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts `node apps/sample-api/dist/main.js` on `port` with `env`, resolving once GET /health answers 200. */
export async function startSampleApi(port: number, env: Record<string, string>): Promise<SampleApiProcess> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build (npm run test:redis does)`);
  // RPC_PORT: every instance also serves the sample's TCP microservice; each needs its own port.
  const rpcPort = await freePort();
  const child = spawn(process.execPath, ['--enable-source-maps', MAIN], {
    env: { ...process.env, NODE_OPTIONS: '', NODE_ENV: '', PORT: String(port), RPC_PORT: String(rpcPort), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const instance: SampleApiProcess = {
    url,
    call: (path, token, init = {}) =>
      fetch(url + path, {
        ...init,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(init.headers as Record<string, string>),
        },
      }),
    output: () => output,
    close: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && child.exitCode === null) {
    const ok = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return instance;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await instance.close();
  throw new Error(`the sample API on port ${port} did not start:\n${output}`);
}
