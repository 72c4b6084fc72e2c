// RFC 6749 §3.3 (scope is a space-delimited list of case-sensitive tokens), RFC 8693 §4.2 / RFC 9068
// §2.2.3 (`scope` claim) and the `scp` claim some providers use (a string or an array).
import { InsufficientScopeError, InvalidTokenError } from '../../errors/resource-server.error.js';
import { ownClaim } from './own-claims.js';

/** Reads scopes from the configured claims, in order, without duplicates. */
export function readScopes(claims: Readonly<Record<string, unknown>>, claimNames: readonly string[]): string[] {
  const scopes = new Set<string>();
  for (const name of claimNames) {
    const value = ownClaim(claims, name);
    if (value === undefined) continue;
    const list = typeof value === 'string' ? value.split(' ') : value;
    if (!Array.isArray(list) || !list.every((s) => typeof s === 'string')) {
      throw new InvalidTokenError('invalid_claim', { description: `The access token claim "${name}" is malformed` });
    }
    for (const scope of list) if (scope !== '') scopes.add(scope);
  }
  return [...scopes];
}

/** Whether `granted` holds every one of `required`. */
export function grantsAll(granted: readonly string[], required: readonly string[]): boolean {
  for (const value of required) if (!granted.includes(value)) return false;
  return true;
}

/** Whether `granted` holds at least one of `group`. */
export function grantsOne(granted: readonly string[], group: readonly string[]): boolean {
  for (const value of group) if (granted.includes(value)) return true;
  return false;
}

/** What a route requires: every scope of `all`, and from each group of `anyOf` at least one. */
export interface ScopeRequirement {
  readonly all: readonly string[];
  readonly anyOf: readonly (readonly string[])[];
}

/**
 * Throws {@link InsufficientScopeError} unless the granted scopes meet the requirement.
 * Matching is exact: `read` does not satisfy `read:messages`, nor the reverse.
 */
export function checkScopes(granted: readonly string[], required: ScopeRequirement): void {
  // Allocation-free when the caller has what is required (nearly every call); details on failure only.
  if (grantsAll(granted, required.all) && required.anyOf.every((group) => grantsOne(granted, group))) return;
  const failedGroups = required.anyOf.filter((group) => !grantsOne(granted, group));
  // RFC 6750 §3: name what the resource requires, so a client that asks for exactly that succeeds.
  throw new InsufficientScopeError([...new Set([...required.all, ...failedGroups.flat()])]);
}
