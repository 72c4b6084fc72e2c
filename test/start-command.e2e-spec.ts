// The README's first command, run for real: `npm start` builds, starts the embedded development
// issuer and the sample API, and a token from the printed recipe is accepted. With
// NODE_ENV=production and no OIDC_ISSUER the app refuses to start and says why.
import { afterAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';

const PORT = 39170;
const ISSUER_PORT = 39171;
const RPC_PORT = 39172;
const children: ChildProcess[] = [];

function run(
  command: string,
  args: string[],
  env: Record<string, string>,
): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(command, args, {
    env: { ...process.env, ...env, NODE_OPTIONS: '' },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitFor(predicate: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

afterAll(() => {
  for (const child of children) {
    try {
      if (child.pid && child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
});

describe('npm start', () => {
  it('starts the sample API with its development issuer, and the printed recipe works', async () => {
    const started = run('npm', ['start', '--silent'], {
      PORT: String(PORT),
      RPC_PORT: String(RPC_PORT),
      DEV_ISSUER_PORT: String(ISSUER_PORT),
      OIDC_ISSUER: '',
      NODE_ENV: '',
    });
    await waitFor(() => started.output().includes('Try it:'), 90_000);
    expect(started.output()).toContain(`curl -i -H "Authorization: Bearer $TOKEN" http://localhost:${PORT}/messages`);

    const tokenResponse = await fetch(`http://127.0.0.1:${ISSUER_PORT}/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from('demo-client:demo-secret').toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials&scope=read:messages',
    });
    const { access_token } = (await tokenResponse.json()) as { access_token: string };
    const messages = await fetch(`http://localhost:${PORT}/messages`, {
      headers: { authorization: `Bearer ${access_token}` },
    });
    expect(messages.status).toBe(200);
    const health = await fetch(`http://localhost:${PORT}/health`);
    expect(health.status).toBe(200);
  }, 120_000);

  // Runs after the test above, whose `npm start` built apps/sample-api/dist.
  it('refuses to start the development issuer with NODE_ENV=production', async () => {
    const refused = run('node', ['apps/sample-api/dist/main.js'], {
      NODE_ENV: 'production',
      OIDC_ISSUER: '',
      PORT: String(PORT + 2),
    });
    expect(await refused.exited).toBe(1);
    expect(refused.output()).toMatch(/OIDC_ISSUER is not set.*NODE_ENV=production/s);
  }, 30_000);

  // Runs after the first test, whose `npm start` built apps/sample-api/dist. (The Fastify Jest project
  // skips this file: two parallel `npm start` builds of one dist/ would race; this case covers Fastify.)
  it('starts on Fastify with HTTP_PLATFORM=fastify: REST and GraphQL answer', async () => {
    const port = PORT + 4;
    const issuerPort = ISSUER_PORT + 4;
    const started = run('node', ['apps/sample-api/dist/main.js'], {
      HTTP_PLATFORM: 'fastify',
      PORT: String(port),
      DEV_ISSUER_PORT: String(issuerPort),
      OIDC_ISSUER: '',
      NODE_ENV: '',
    });
    await waitFor(() => started.output().includes('Try it:'), 60_000);
    expect(started.output()).toContain(`Sample API (fastify) listening on http://localhost:${port}`);
    const tokenResponse = await fetch(`http://127.0.0.1:${issuerPort}/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from('demo-client:demo-secret').toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials&scope=read:messages',
    });
    const { access_token } = (await tokenResponse.json()) as { access_token: string };
    const messages = await fetch(`http://localhost:${port}/messages`, {
      headers: { authorization: `Bearer ${access_token}` },
    });
    expect(messages.status).toBe(200);
    const graphql = await fetch(`http://localhost:${port}/graphql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ health me { sub scopes } }' }),
    });
    expect(await graphql.json()).toEqual({
      data: { health: 'ok', me: { sub: 'demo-client', scopes: ['read:messages'] } },
    });
  }, 90_000);
});
