// GraphQL and Fastify stay optional for the library's users: no source file of the library imports
// them (or any other driver or platform package), so an Express REST app never loads them.
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const SRC = join(process.cwd(), 'libs/resource-server/src');
const OPTIONAL =
  /^(graphql|graphql-ws|@nestjs\/(graphql|apollo|mercurius|platform-\w+)|@apollo\/.*|@as-integrations\/.*|mercurius|fastify|express)(\/.*)?$/;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

describe('optional dependencies', () => {
  it('no library source imports GraphQL, a GraphQL driver, or an HTTP platform package at run time', () => {
    const offending = sources(SRC).flatMap((file) =>
      [
        ...readFileSync(file, 'utf8').matchAll(
          /^\s*(?:import|export)\s+(?!type\b)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm,
        ),
      ]
        .map((m) => m[1] ?? m[2]!)
        .filter((specifier) => OPTIONAL.test(specifier))
        .map((specifier) => `${file.slice(SRC.length + 1)}: ${specifier}`),
    );
    expect(sources(SRC).length).toBeGreaterThan(20);
    expect(offending).toEqual([]);
  });
});
