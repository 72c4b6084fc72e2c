import { ForbiddenError } from '../../errors/resource-server.error.js';
import type { VerifiedPrincipal } from './principal.js';
import { grantsAll, grantsOne } from './scopes.js';

/** What a route requires beyond scopes. */
export interface AccessRequirement {
  readonly roles: readonly string[];
  readonly anyOfRoles: readonly (readonly string[])[];
  readonly predicates: readonly ((principal: VerifiedPrincipal) => boolean)[];
}

/** Throws {@link ForbiddenError} unless the caller has the roles and passes every predicate. */
export function checkAccess(principal: VerifiedPrincipal, required: AccessRequirement): void {
  const { roles } = principal;
  if (!grantsAll(roles, required.roles) || !required.anyOfRoles.every((group) => grantsOne(roles, group))) {
    const failedGroups = required.anyOfRoles.filter((group) => !grantsOne(roles, group));
    throw new ForbiddenError('insufficient_role', [...new Set([...required.roles, ...failedGroups.flat()])]);
  }
  for (const predicate of required.predicates) {
    let result: unknown;
    try {
      result = predicate(principal);
    } catch {
      result = false; // a predicate that breaks denies: fail closed
    }
    if (result instanceof Promise) {
      result.catch(() => undefined);
      throw new ForbiddenError(
        'claims_rejected',
        [],
        'a @RequireClaims predicate returned a Promise: predicates must be synchronous',
      );
    }
    if (result !== true) throw new ForbiddenError('claims_rejected');
  }
}
