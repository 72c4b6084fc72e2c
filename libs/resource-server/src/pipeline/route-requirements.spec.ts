import { describe, expect, it } from '@jest/globals';
import type { ExecutionContext } from '@nestjs/common';
import { RequirementsCache, type RouteRequirements } from './route-requirements.js';

class Base {
  list() {}
}
class Admin extends Base {}
class Other {
  list() {}
}

const contextOf = (cls: object, handler: object) =>
  ({ getClass: () => cls, getHandler: () => handler }) as unknown as ExecutionContext;

describe('RequirementsCache', () => {
  it('reads the metadata once per class and handler, also for a handler inherited by several classes', () => {
    const reads: string[] = [];
    const cache = new RequirementsCache((context: ExecutionContext): RouteRequirements => {
      const name = (context.getClass() as { name: string }).name;
      reads.push(name);
      return { isPublic: name === 'Base' } as RouteRequirements;
    });
    const calls = [
      [Base, Base.prototype.list],
      [Admin, Base.prototype.list],
      [Other, Other.prototype.list],
    ] as const;
    for (let round = 0; round < 3; round++) {
      expect(calls.map(([cls, handler]) => cache.get(contextOf(cls, handler)).isPublic)).toEqual([true, false, false]);
    }
    expect(reads).toEqual(['Base', 'Admin', 'Other']);
  });
});
