import type { VerifiedPrincipal } from '../core/claims/principal.js';
import { routeRequirement } from './route-metadata.js';

/** Metadata read by the guard. Internal. */
export const REQUIRED_ROLES = routeRequirement<readonly string[]>('roles');
/** Metadata read by the guard. Internal. */
export const ANY_OF_ROLES = routeRequirement<readonly string[]>('any-role');
/** Metadata read by the guard. Internal. */
export const CLAIM_REQUIREMENT = routeRequirement<ClaimRequirement>('claims');

/** A synchronous predicate over the verified caller; anything but `true` (or a throw) answers 403. */
export type ClaimRequirement = (principal: VerifiedPrincipal) => boolean;

function validated(decorator: string, roles: readonly string[]): readonly string[] {
  if (roles.length === 0) throw new Error(`@${decorator}() needs at least one role`);
  for (const role of roles) {
    // Inner spaces are fine (Okta group names such as "Order Admins"); a role that is empty or padded is a typo.
    if (typeof role !== 'string' || role.trim() === '' || role.trim() !== role) {
      throw new Error(`@${decorator}(): ${JSON.stringify(role)} is not a valid role`);
    }
  }
  return Object.freeze([...roles]);
}

/**
 * Requires every listed role or permission, read from the issuer's role claims (preset or `roleClaims`).
 * On a controller and on a handler, or applied twice, all apply. Fails with 403.
 * @example
 * ```ts
 * @Roles('auditor') @Get('audit') audit() {}
 * ```
 */
export function Roles(...roles: string[]): ClassDecorator & MethodDecorator {
  return REQUIRED_ROLES(validated('Roles', roles));
}

/**
 * Requires at least one of the listed roles or permissions; applied twice, each applies. Fails with 403.
 * @example
 * ```ts
 * @AnyRole('admin', 'support') @Delete(':id') remove() {}
 * ```
 */
export function AnyRole(...roles: string[]): ClassDecorator & MethodDecorator {
  return ANY_OF_ROLES(validated('AnyRole', roles));
}

/**
 * Escape hatch: requires a synchronous predicate over the verified caller to hold. On a controller
 * and on a handler, or applied twice, all apply. A predicate that returns anything but `true` (a
 * Promise included) or throws answers 403.
 * @example
 * ```ts
 * @RequireClaims((p) => p.claims.email_verified === true && p.tenant === 'acme') @Post() create() {}
 * ```
 */
export function RequireClaims(requirement: ClaimRequirement): ClassDecorator & MethodDecorator {
  if (typeof requirement !== 'function') throw new Error('@RequireClaims() needs a function (principal) => boolean');
  return CLAIM_REQUIREMENT(requirement);
}
