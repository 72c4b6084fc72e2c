// Finds every HTTP handler of a Nest app and whether AccessTokenGuard protects it (globally through
// APP_GUARD / useGlobalGuards, or with @UseGuards on the class or the handler). Requirements are read
// by the same function the guard uses, so the documentation cannot say what the guard does not do.
import type { ExecutionContext, INestApplicationContext } from '@nestjs/common';
import { GUARDS_METADATA, METHOD_METADATA } from '@nestjs/common/constants.js';
import { MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import { AccessTokenGuard } from '../guards/access-token.guard.js';
import { readRouteRequirements, type RouteRequirements } from '../pipeline/route-requirements.js';

/** One route handler and what the guard requires of it (`undefined` when no guard protects it). */
export interface GuardedRoute {
  readonly handler: (...args: unknown[]) => unknown;
  readonly requirements: RouteRequirements | undefined;
}

function isAccessTokenGuard(guard: unknown): boolean {
  if (guard instanceof AccessTokenGuard) return true;
  return typeof guard === 'function' && (guard === AccessTokenGuard || guard.prototype instanceof AccessTokenGuard);
}

/** Whether the app has AccessTokenGuard (or a subclass) as a global guard. Reads the app as @nestjs/swagger does. */
function hasGlobalGuard(app: INestApplicationContext): boolean {
  const config = (
    app as unknown as {
      config?: {
        getGlobalGuards?(): unknown[];
        getGlobalRequestGuards?(): { instance?: unknown; metatype?: unknown }[];
      };
    }
  ).config;
  const guards = config?.getGlobalGuards?.() ?? [];
  const requestScoped = config?.getGlobalRequestGuards?.() ?? [];
  return (
    guards.some(isAccessTokenGuard) ||
    requestScoped.some((w) => isAccessTokenGuard(w.instance) || isAccessTokenGuard(w.metatype))
  );
}

function hasOwnGuard(...targets: object[]): boolean {
  return targets.some((t) =>
    ((Reflect.getMetadata(GUARDS_METADATA, t) as unknown[] | undefined) ?? []).some(isAccessTokenGuard),
  );
}

/** Every route handler of every controller of the app, with its requirements when guarded. */
export function guardedRoutes(app: INestApplicationContext): GuardedRoute[] {
  const reflector = new Reflector();
  const scanner = new MetadataScanner();
  const global = hasGlobalGuard(app);
  const routes: GuardedRoute[] = [];
  const seen = new Set<object>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const cls = wrapper.metatype as (new (...args: unknown[]) => object) | undefined;
      if (!cls || seen.has(cls)) continue;
      seen.add(cls);
      for (const name of scanner.getAllMethodNames(cls.prototype as object)) {
        const handler = (cls.prototype as Record<string, unknown>)[name];
        if (typeof handler !== 'function' || Reflect.getMetadata(METHOD_METADATA, handler) === undefined) continue;
        const guarded = global || hasOwnGuard(cls, handler);
        const context = { getHandler: () => handler, getClass: () => cls } as unknown as ExecutionContext;
        routes.push({
          handler: handler as GuardedRoute['handler'],
          requirements: guarded ? readRouteRequirements(reflector, context) : undefined,
        });
      }
    }
  }
  return routes;
}
