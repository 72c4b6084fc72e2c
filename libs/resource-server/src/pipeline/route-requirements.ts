import type { ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import type { Requirements } from '../core/authorization/requirements.js';
import { IS_PUBLIC } from '../decorators/public.decorator.js';
import { ANY_OF_ROLES, CLAIM_REQUIREMENT, REQUIRED_ROLES } from '../decorators/roles.decorator.js';
import { ANY_OF_SCOPES, REQUIRED_SCOPES } from '../decorators/scopes.decorator.js';

/** What the decorators on a handler and its class say: `@Public()`, and every requirement. */
export interface RouteRequirements extends Requirements {
  /** `@Public()` on the handler or its class: no token is asked for. */
  readonly isPublic: boolean;
}

/**
 * Reads the requirement decorators of a handler and its class. Requirements accumulate (the class's
 * and the handler's, and a decorator applied twice); `@Public()` on either opts the handler out.
 */
export function readRouteRequirements(reflector: Reflector, context: ExecutionContext): RouteRequirements {
  const targets = [context.getHandler(), context.getClass()];
  const all = <T>(key: { read(target: object): readonly T[] }) => targets.flatMap((t) => key.read(t));
  return {
    isPublic: reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, targets) === true,
    scopes: { all: [...new Set(all(REQUIRED_SCOPES).flat())], anyOf: all(ANY_OF_SCOPES) },
    access: {
      roles: [...new Set(all(REQUIRED_ROLES).flat())],
      anyOfRoles: all(ANY_OF_ROLES),
      predicates: all(CLAIM_REQUIREMENT),
    },
  };
}

/** Requirements cached per class and handler: route metadata is read once, not per request. */
export class RequirementsCache {
  // Keyed by handler first: one lookup per call. A handler inherited by several controller classes
  // can have different requirements per class (class-level decorators), hence the per-class maps.
  private readonly byHandler = new WeakMap<object, { readonly cls: object; readonly rules: RouteRequirements }>();
  private readonly byClass = new WeakMap<object, WeakMap<object, RouteRequirements>>();

  /** `read` is called once per class and handler. */
  constructor(private readonly read: (context: ExecutionContext) => RouteRequirements) {}

  get(context: ExecutionContext): RouteRequirements {
    const { read } = this;
    const handler = context.getHandler();
    const cls = context.getClass();
    const first = this.byHandler.get(handler);
    if (first?.cls === cls) return first.rules;
    if (first === undefined) {
      const rules = read(context);
      this.byHandler.set(handler, { cls, rules });
      return rules;
    }
    let perClass = this.byClass.get(handler);
    if (!perClass) this.byClass.set(handler, (perClass = new WeakMap()));
    let rules = perClass.get(cls);
    if (!rules) perClass.set(cls, (rules = read(context)));
    return rules;
  }
}
