// The authorization step of the pipeline: what a handler requires of a verified caller, and the one
// function that checks it. Transport-agnostic: HTTP, GraphQL, WebSocket and RPC handlers share it.
import type { VerifiedPrincipal } from '../claims/principal.js';
import { checkAccess, type AccessRequirement } from '../claims/roles.js';
import { checkScopes, type ScopeRequirement } from '../claims/scopes.js';

/** Everything a handler requires of its caller, read once per handler from the decorators. */
export interface Requirements {
  /** `@Scopes` (all of) and `@AnyScope` (one of each group). */
  readonly scopes: ScopeRequirement;
  /** `@Roles`, `@AnyRole` and `@RequireClaims`. */
  readonly access: AccessRequirement;
}

/** No requirement at all: any verified caller is admitted. */
export const NO_REQUIREMENTS: Requirements = Object.freeze({
  scopes: Object.freeze({ all: [], anyOf: [] }),
  access: Object.freeze({ roles: [], anyOfRoles: [], predicates: [] }),
});

/** Whether a requirement set asks for anything beyond a verified caller. */
export function hasRequirements(r: Requirements): boolean {
  return (
    r.scopes.all.length > 0 ||
    r.scopes.anyOf.length > 0 ||
    r.access.roles.length > 0 ||
    r.access.anyOfRoles.length > 0 ||
    r.access.predicates.length > 0
  );
}

/**
 * Throws `InsufficientScopeError` (403 `insufficient_scope`) or `ForbiddenError` (403) unless the
 * caller meets every requirement. Scopes are checked first, so a caller missing both learns the scope.
 */
export function authorize(principal: VerifiedPrincipal, required: Requirements): void {
  checkScopes(principal.scopes, required.scopes);
  checkAccess(principal, required.access);
}
