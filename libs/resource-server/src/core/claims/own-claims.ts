// Claims are read by name from objects parsed from JSON. A plain `claims[name]` also sees
// Object.prototype (`constructor`, `toString`, `__proto__`), so a configured claim name such as
// `constructor` would be "present" in every token. Every read by name goes through these two.

/**
 * The claim's value if the object itself carries it (not inherited), else undefined.
 * @example
 * ownClaim({ sub: 'a' }, 'sub'); // 'a'
 * ownClaim({}, 'constructor');   // undefined, not Object
 */
export function ownClaim(claims: Readonly<Record<string, unknown>>, name: string): unknown {
  return Object.hasOwn(claims, name) ? claims[name] : undefined;
}

/**
 * Whether the object itself carries the claim with a value other than null or undefined.
 * @example
 * hasClaim({ tenant: false }, 'tenant'); // true
 * hasClaim({}, 'toString');              // false
 */
export function hasClaim(claims: Readonly<Record<string, unknown>>, name: string): boolean {
  const value = ownClaim(claims, name);
  return value !== undefined && value !== null;
}
