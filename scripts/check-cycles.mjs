// Fails when the library's modules import each other in a cycle, counting `import type` and
// `export type ... from` too: a type-only cycle still ties two files together and turns into a
// runtime one at the next refactor. eslint-plugin-import-x's no-cycle skips type-only imports
// without an option to keep them, so this walks the graph with the TypeScript compiler's own
// scanner and resolver (no extra dependency, and the same module resolution as tsc).
// Usage: node scripts/check-cycles.mjs [root, default libs/resource-server/src]
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';

const root = resolve(process.argv[2] ?? 'libs/resource-server/src');
const options = { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext };

/** @returns {string[]} every non-spec .ts file under `dir` */
function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** @returns {Map<string, string[]>} file -> the files under root it imports (values and types) */
function importGraph(files) {
  const inside = new Set(files);
  const graph = new Map();
  for (const file of files) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = importedFiles
      .map(({ fileName }) => ts.resolveModuleName(fileName, file, options, ts.sys).resolvedModule?.resolvedFileName)
      .filter((target) => target !== undefined && inside.has(target));
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** The shortest path from `start` back to itself, or undefined (breadth-first). */
function shortestCycle(graph, start) {
  const previous = new Map([[start, undefined]]);
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    for (const next of graph.get(queue[i])) {
      if (next === start) {
        const chain = [start];
        for (let at = queue[i]; at !== start; at = previous.get(at)) chain.splice(1, 0, at);
        return [...chain, start];
      }
      if (!previous.has(next)) {
        previous.set(next, queue[i]);
        queue.push(next);
      }
    }
  }
  return undefined;
}

const graph = importGraph(sources(root));
// The shortest cycle through each file, each distinct cycle once.
const cycles = new Map();
for (const file of [...graph.keys()].sort()) {
  const cycle = shortestCycle(graph, file);
  const key = cycle?.slice(1).sort().join('|');
  if (cycle && !cycles.has(key)) cycles.set(key, { chain: cycle.map((f) => relative(process.cwd(), f)) });
}

if (cycles.size > 0) {
  console.error(`Import cycles under ${relative(process.cwd(), root)} (type-only imports included):`);
  for (const { chain } of cycles.values()) console.error(`  ${chain.join('\n    -> ')}`);
  process.exit(1);
}
console.log(`No import cycles among ${graph.size} files under ${relative(process.cwd(), root)}.`);
