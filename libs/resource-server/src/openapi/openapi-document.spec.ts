import { describe, expect, it } from '@jest/globals';
import type { RouteRequirements } from '../pipeline/route-requirements.js';
import { failureResponses, scopeAlternatives, securityOf, securitySchemes } from './openapi-document.js';

const route = (all: string[], anyOf: string[][] = [], extra: Partial<RouteRequirements> = {}): RouteRequirements => ({
  isPublic: false,
  scopes: { all, anyOf },
  access: { roles: [], anyOfRoles: [], predicates: [] },
  ...extra,
});

describe('OpenAPI security of a route', () => {
  it('multiplies @AnyScope groups into alternatives, without duplicates', () => {
    expect(
      scopeAlternatives(
        route(
          ['a'],
          [
            ['b', 'c'],
            ['d', 'a'],
          ],
        ),
      ),
    ).toEqual([
      ['a', 'b', 'd'],
      ['a', 'b'],
      ['a', 'c', 'd'],
      ['a', 'c'],
    ]);
  });

  it('stops multiplying past 32 alternatives and asks for every scope instead', () => {
    const groups = Array.from({ length: 6 }, (_, i) => [`g${i}a`, `g${i}b`]);
    const alternatives = scopeAlternatives(route([], groups));
    expect(alternatives.length).toBeLessThanOrEqual(32);
    expect(alternatives.flat()).toEqual(expect.arrayContaining(['g5a', 'g5b']));
  });

  it('documents a bearer scheme only when no OAuth 2.0 endpoint is known', () => {
    expect(securityOf(route(['a']), { oauth2: false })).toEqual([{ bearer: [] }]);
    expect(securityOf(route(['a'], [], { isPublic: true }), { oauth2: true })).toEqual([]);
    expect(Object.keys(securitySchemes({}, ['a']))).toEqual(['bearer']);
    expect(securitySchemes({ tokenUrl: 'https://t' }, ['a']).oauth2).toEqual({
      type: 'oauth2',
      description: expect.any(String),
      flows: { clientCredentials: { tokenUrl: 'https://t', scopes: { a: 'a' } } },
    });
  });

  it('words the 403 after the roles, role groups and claim checks it needs', () => {
    const r = route([], [], { access: { roles: ['admin'], anyOfRoles: [['x', 'y']], predicates: [() => true] } });
    const responses = failureResponses(r, true, false) as Record<string, { description: string }>;
    expect(responses['403']!.description).toMatch(/roles admin; one of the roles x, y; claim checks/);
    expect(Object.keys(failureResponses(route([]), false, false))).toEqual(['401']);
  });
});
