// Type-checks the ```ts examples in the library's JSDoc, so that an example cannot rot while the API
// moves. Each fenced block in a /** */ comment of libs/resource-server/src (specs excluded) becomes
// a file that imports the whole public API (`from 'nestjs-resource-server'`, mapped to the source)
// and the common Nest decorators, and `tsc --noEmit` checks them all at once. A block that is a
// class member (the usual `@Get() handler() {}` snippet) is checked inside a controller class.
// Errors are reported at the example's own file and line.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(import.meta.dirname, '..');
const SOURCE = join(ROOT, 'libs/resource-server/src');
// Inside node_modules: ignored by git, and '@nestjs/*' resolves from there as from anywhere in the repo.
const OUT = join(ROOT, 'node_modules/.cache/check-examples');
const NEST = {
  '@nestjs/common': [
    'Body',
    'Controller',
    'Delete',
    'Get',
    'Global',
    'HttpCode',
    'Inject',
    'Injectable',
    'Module',
    'Param',
    'Patch',
    'Post',
    'Put',
    'Query',
    'UseGuards',
  ],
  '@nestjs/core': ['APP_GUARD', 'Reflector'],
  '@nestjs/passport': ['AuthGuard', 'PassportModule', 'PassportStrategy'],
  'passport-jwt': ['ExtractJwt', 'Strategy'],
  'nestjs-resource-server/passport': [
    'AccessTokenStrategy',
    'ResourceServerJwtStrategy',
    'jsonWebTokenOptions',
    'passportJwtSecret',
  ],
};

function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** Every ```ts block inside a JSDoc comment: its code and the source line of its first line. */
function examples(file) {
  const text = readFileSync(file, 'utf8');
  const found = [];
  for (const comment of text.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
    const firstLine = text.slice(0, comment.index).split('\n').length;
    const lines = comment[0].split('\n').map((line) => line.replace(/^\s*\*? ?/, ''));
    for (let i = 0; i < lines.length; i++) {
      if (lines[i].trim() !== '```ts') continue;
      const end = lines.indexOf('```', i + 1);
      if (end === -1) throw new Error(`${relative(ROOT, file)}:${firstLine + i}: unclosed \`\`\`ts block`);
      found.push({ file, line: firstLine + i + 1, code: lines.slice(i + 1, end).join('\n') });
      i = end;
    }
  }
  return found;
}

/**
 * Names the public entry point exports, read with the compiler; types as `type X`, since with
 * isolatedModules and emitDecoratorMetadata a decorated signature may only name an imported type
 * through `import type`, exactly as in a user's code.
 */
function publicNames() {
  const index = join(SOURCE, 'index.ts');
  const program = ts.createProgram([index], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  return checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(index))).map((symbol) => {
    const typeOnlyExport = symbol.declarations?.some(
      (d) => ts.isExportSpecifier(d) && (d.isTypeOnly || d.parent.parent.isTypeOnly),
    );
    const value = (checker.getAliasedSymbol(symbol).flags & ts.SymbolFlags.Value) !== 0;
    return { name: symbol.name, type: typeOnlyExport || !value };
  });
}

/** Top-level names an example imports or declares itself: the prelude leaves those out. */
function ownNames(code) {
  const names = new Set();
  const file = ts.createSourceFile('example.ts', code, ts.ScriptTarget.Latest);
  for (const statement of file.statements) {
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      if (clause?.name) names.add(clause.name.text);
      const bindings = clause?.namedBindings;
      if (bindings && ts.isNamedImports(bindings)) bindings.elements.forEach((e) => names.add(e.name.text));
      if (bindings && ts.isNamespaceImport(bindings)) names.add(bindings.name.text);
    } else if (ts.isVariableStatement(statement)) {
      statement.declarationList.declarations.forEach((d) => ts.isIdentifier(d.name) && names.add(d.name.text));
    } else if (statement.name && ts.isIdentifier(statement.name)) {
      names.add(statement.name.text);
    }
  }
  return names;
}

function parses(code) {
  const file = ts.createSourceFile('example.ts', code, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  return file.parseDiagnostics.length === 0;
}

/** The file to check, and how many lines precede the example in it. */
function render(example, api) {
  const member = !parses(example.code) && parses(`class Example {\n${example.code}\n}`);
  const own = ownNames(member ? '' : example.code);
  const nest = Object.entries(NEST).map(([from, names]) => [from, names.map((name) => ({ name, type: false }))]);
  const imports = [['nestjs-resource-server', api], ...nest]
    .map(([from, names]) => [from, names.filter((n) => !own.has(n.name))])
    .filter(([, names]) => names.length > 0)
    .map(
      ([from, names]) =>
        `import { ${names.map((n) => (n.type ? `type ${n.name}` : n.name)).join(', ')} } from '${from}';`,
    );
  const head = [...imports, ...(member ? ['@Controller()', 'export class Example {'] : [])];
  return { text: [...head, example.code, ...(member ? ['}'] : []), 'export {};', ''].join('\n'), offset: head.length };
}

const all = sources(SOURCE).sort().flatMap(examples);
const api = publicNames();
rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
const byFile = new Map();
all.forEach((example, i) => {
  const name = `example-${String(i + 1).padStart(3, '0')}.ts`;
  const { text, offset } = render(example, api);
  writeFileSync(join(OUT, name), text);
  byFile.set(name, { ...example, offset });
});
writeFileSync(
  join(OUT, 'tsconfig.json'),
  JSON.stringify({
    extends: relative(OUT, join(ROOT, 'tsconfig.base.json')),
    compilerOptions: {
      noEmit: true,
      paths: {
        'nestjs-resource-server': [relative(OUT, join(SOURCE, 'index.ts'))],
        'nestjs-resource-server/*': [relative(OUT, join(SOURCE, '*/index.ts'))],
      },
    },
    include: ['example-*.ts'],
  }),
);

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
let output = '';
try {
  execFileSync(process.execPath, [tsc, '-p', OUT, '--pretty', 'false'], { encoding: 'utf8' });
} catch (error) {
  output = `${error.stdout ?? ''}${error.stderr ?? ''}`;
}
const problems = [];
for (const line of output.split('\n').filter(Boolean)) {
  const match = /^(?:.*[\\/])?(example-\d+\.ts)\((\d+),(\d+)\): (.*)$/.exec(line);
  const example = match && byFile.get(match[1]);
  if (!example) {
    problems.push(line); // an error outside the examples (the library itself): shown as tsc wrote it
    continue;
  }
  const at = example.line + Number(match[2]) - 1 - example.offset;
  problems.push(`${relative(ROOT, example.file)}:${at}:${match[3]} ${match[4]}`);
}
if (problems.length > 0) {
  console.error(
    `JSDoc examples that do not compile (${all.length} checked):\n${problems.map((p) => `  ${p}`).join('\n')}`,
  );
  process.exit(1);
}
console.log(`${all.length} JSDoc examples compile.`);
