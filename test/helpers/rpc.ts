/**
 * Microservice plumbing of the e2e suites: a TCP client for a started service, the port it listens
 * on, a free port (gRPC cannot report its own), each call as `{ value }` or `{ rejected }`, and the
 * error payloads the suites expect.
 */
import type { INestApplication, INestMicroservice } from '@nestjs/common';
import { ClientProxyFactory, Transport, type ClientProxy } from '@nestjs/microservices';
import { createServer } from 'node:net';
import { firstValueFrom, type Observable } from 'rxjs';
import { closeLater } from './start-app.js';

export const MISSING = { status: 'error', error: 'unauthorized', message: 'A bearer access token is required' };
export const EXPIRED = { status: 'error', error: 'invalid_token', message: 'The access token expired' };
export const UNKNOWN_KEY = {
  status: 'error',
  error: 'invalid_token',
  message: 'The access token was signed with an unknown key',
};
/** The payload of a scope failure naming `scope`. */
export const noScope = (scope: string) => ({
  status: 'error',
  error: 'insufficient_scope',
  message: 'The access token lacks the scope this resource requires',
  scope,
});

/** A port free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The port of a TCP microservice started on port 0 (standalone, or the `index`th of a hybrid app). */
export function tcpPort(service: INestMicroservice | INestApplication, index = 0): number {
  const servers = (service as unknown as { microservices?: unknown[] }).microservices;
  const target = (servers ? servers[index] : service) as {
    serverInstance: { server: { address(): { port: number } } };
  };
  return target.serverInstance.server.address().port;
}

/** A connected TCP `ClientProxy`, closed by `closeAll`. */
export async function tcpClient(port: number): Promise<ClientProxy> {
  const client = closeLater(
    ClientProxyFactory.create({ transport: Transport.TCP, options: { host: '127.0.0.1', port } }),
  );
  await client.connect();
  return client;
}

/** The reply, or what the client observable errored with. */
export const outcome = <T>(reply: Observable<T>): Promise<{ value: T } | { rejected: unknown }> =>
  firstValueFrom(reply).then(
    (value) => ({ value }),
    (rejected: unknown) => ({ rejected }),
  );
