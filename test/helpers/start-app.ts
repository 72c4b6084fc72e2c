/**
 * The one bootstrap of the e2e suites: a tiny Nest app with `ResourceServerModule.forRoot(options)`,
 * the guard applied globally and a few controllers, listening on 127.0.0.1 (ephemeral port), plus a
 * registry that closes what a suite opened, last opened first, in one `afterAll(closeAll)`.
 *
 * Jest gives every test file its own module registry, so each suite gets its own list.
 */
import {
  Module,
  type DynamicModule,
  type INestApplication,
  type LoggerService,
  type Provider,
  type Type,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { Test, type TestingModule } from '@nestjs/testing';
import request from 'supertest';
import { AccessTokenGuard, ResourceServerModule, type ResourceServerModuleOptions } from 'nestjs-resource-server';
import { ProbeController, ScopedController } from './probe.controller.js';

/** The HTTP platform the e2e suites run on: `HTTP_PLATFORM=fastify` runs them all again on Fastify. */
export type HttpPlatform = 'express' | 'fastify';

/** `HTTP_PLATFORM` of the test run: `express` (default) or `fastify`. */
export function httpPlatform(env: NodeJS.ProcessEnv = process.env): HttpPlatform {
  const value = env.HTTP_PLATFORM || 'express';
  if (value !== 'express' && value !== 'fastify')
    throw new Error(`HTTP_PLATFORM must be express or fastify (got "${value}")`);
  return value;
}

/**
 * Creates the Nest application of a compiled module on the run's platform (Fastify through
 * `@nestjs/platform-fastify`, loaded only then).
 * @example const app = await createPlatformApp(moduleRef, { logger: false });
 */
export async function createPlatformApp(
  moduleRef: TestingModule,
  options: { logger?: LoggerService | false } = {},
): Promise<INestApplication> {
  if (httpPlatform() === 'express') return moduleRef.createNestApplication(options);
  const { FastifyAdapter } = await import('@nestjs/platform-fastify');
  return moduleRef.createNestApplication(new FastifyAdapter(), options);
}

/**
 * Initializes an app for supertest without listening: Fastify answers `getHttpServer()` requests
 * only once it is ready.
 * @example await initForRequests(app); await request(app.getHttpServer()).get('/health');
 */
export async function initForRequests(app: INestApplication): Promise<void> {
  await app.init();
  const instance = app.getHttpAdapter().getInstance() as { ready?: () => PromiseLike<unknown> };
  if (httpPlatform() === 'fastify') await instance.ready?.();
}

/** What the app holds besides the resource-server module and the global guard. */
export interface StartAppOptions {
  /** @default [ProbeController, ScopedController] */
  controllers?: Type[];
  /** Further modules, e.g. `CacheModule.register({ isGlobal: true })`. @default [] */
  imports?: Array<Type | DynamicModule>;
  /** @default [] */
  providers?: Provider[];
  /**
   * Logger of the testing module and of the app (the library logs through Nest's static `Logger`).
   * @default false (silent)
   */
  logger?: LoggerService | false;
  /**
   * Listen on 127.0.0.1 (one real server, so concurrent requests share it); `false` only compiles
   * and initializes, for bootstrap cases.
   * @default true
   */
  listen?: boolean;
}

/** A started app and a supertest client bound to it. */
export interface RunningApp {
  readonly app: INestApplication;
  readonly http: ReturnType<typeof request>;
  /** Milliseconds `app.init()` took (bootstrap, including an optional key-set warm-up). */
  readonly initMs: number;
  /** GET `path`, with `Authorization: Bearer <token>` when a token is given. */
  get(path: string, token?: string): request.Test;
  /** Closes the app; later calls (and {@link closeAll}) do nothing more. */
  close(): Promise<void>;
}

/**
 * Compiles, initializes and (by default) starts the app; rejects when the options are refused at
 * bootstrap. The app is registered for {@link closeAll}.
 * @example const running = await startApp({ issuer: issuer.issuer, audience: AUDIENCE });
 *          expect((await running.get('/me', token)).status).toBe(200);
 */
export async function startApp(
  options: ResourceServerModuleOptions,
  extras: StartAppOptions = {},
): Promise<RunningApp> {
  const {
    controllers = [ProbeController, ScopedController],
    imports = [],
    providers = [],
    logger = false,
    listen = true,
  } = extras;

  @Module({
    imports: [ResourceServerModule.forRoot(options), ...imports],
    controllers,
    providers: [{ provide: APP_GUARD, useExisting: AccessTokenGuard }, ...providers],
  })
  class StartAppModule {}

  const builder = Test.createTestingModule({ imports: [StartAppModule] });
  const moduleRef = await (logger ? builder.setLogger(logger) : builder).compile();
  const app = await createPlatformApp(moduleRef, { logger });
  const started = performance.now();
  await app.init(); // onApplicationBootstrap (warm-up) runs here
  const initMs = performance.now() - started;
  if (!listen) await initForRequests(app);
  if (listen) await app.listen(0, '127.0.0.1');
  const http = request(listen ? (await app.getUrl()).replace('[::1]', '127.0.0.1') : app.getHttpServer());

  let closing: Promise<void> | undefined;
  const running: RunningApp = {
    app,
    http,
    initMs,
    get: (path, token) =>
      token === undefined ? http.get(path) : http.get(path).set('Authorization', `Bearer ${token}`),
    close: () => (closing ??= app.close()),
  };
  return closeLater(running);
}

/** Anything {@link closeAll} can close: an app, a local issuer, or a `{ close }` of your own. */
export interface Closable {
  close(): unknown;
}

const opened: Closable[] = [];

/**
 * Registers `resource` for {@link closeAll} and returns it.
 * @example const issuer = closeLater(await startLocalIssuer({ keys: [key] }));
 */
export function closeLater<T extends Closable>(resource: T): T {
  opened.push(resource);
  return resource;
}

/**
 * Closes everything registered so far, last opened first (apps before the issuers they trust), one
 * at a time.
 * @example afterAll(closeAll);
 */
export async function closeAll(): Promise<void> {
  for (const resource of opened.splice(0).reverse()) await resource.close();
}
