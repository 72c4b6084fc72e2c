import { routeRequirement } from './route-metadata.js';

/** Metadata read by the guard. Internal. */
export const REQUIRED_SCOPES = routeRequirement<readonly string[]>('scopes');
/** Metadata read by the guard. Internal. */
export const ANY_OF_SCOPES = routeRequirement<readonly string[]>('any-scope');

// RFC 6749 §3.3 scope-token: 1*( %x21 / %x23-5B / %x5D-7E ). Checked when the decorator is applied,
// so a typo such as 'read messages' fails at startup instead of never matching.
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

function validated(decorator: string, scopes: readonly string[]): readonly string[] {
  if (scopes.length === 0) throw new Error(`@${decorator}() needs at least one scope`);
  for (const scope of scopes) {
    if (typeof scope !== 'string' || !SCOPE_TOKEN.test(scope)) {
      throw new Error(`@${decorator}(): ${JSON.stringify(scope)} is not a valid scope (RFC 6749 §3.3)`);
    }
  }
  return Object.freeze([...scopes]);
}

/**
 * Requires every listed scope. On a controller and on a handler, or applied twice, all apply.
 * @example
 * ```ts
 * @Scopes('read:messages', 'admin:messages') @Get('admin') admin() {}
 * ```
 */
export function Scopes(...scopes: string[]): ClassDecorator & MethodDecorator {
  return REQUIRED_SCOPES(validated('Scopes', scopes));
}

/**
 * Requires at least one of the listed scopes. Applied on a controller and a handler, or twice, each applies.
 * @example
 * ```ts
 * @AnyScope('read:messages', 'admin:messages') @Get() list() {}
 * ```
 */
export function AnyScope(...scopes: string[]): ClassDecorator & MethodDecorator {
  return ANY_OF_SCOPES(validated('AnyScope', scopes));
}
