import { ForbiddenError } from '../../errors/resource-server.error.js';
import type { VerifiedPrincipal } from './principal.js';

/** What a route requires beyond scopes. */
export interface AccessRequirement {
  readonly roles: readonly string[];
  readonly anyOfRoles: readonly (readonly string[])[];
  readonly predicates: readonly ((principal: VerifiedPrincipal) => boolean)[];
}

/** Throws {@link ForbiddenError} unless the caller has the roles and passes every predicate. */
export function checkAccess(principal: VerifiedPrincipal, required: AccessRequirement): void {
  const missing = required.roles.filter((r) => !principal.roles.includes(r));
  const failedGroups = required.anyOfRoles.filter((group) => !group.some((r) => principal.roles.includes(r)));
  if (missing.length > 0 || failedGroups.length > 0) {
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
