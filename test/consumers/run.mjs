#!/usr/bin/env node
// npm run test:consumers: the library as its users get it. Packs libs/resource-server (`npm pack`,
// which builds both formats), checks the tarball with @arethetypeswrong/cli, then installs it with a
// plain `npm install` (no --legacy-peer-deps) into each fixture app, whose other dependencies come
// from its own lockfile, and runs the app's tests (type-checks, e2e with real keys, dual loading).
// Each app is copied out of the repository first: inside it, Node's module resolution would walk up
// to the monorepo's node_modules and find packages the app never installed.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '../..');
const FIXTURES = ['nest11-cjs', 'nest12-esm-fastify'];
const only = process.argv.slice(2);

function run(command, args, cwd) {
  console.log(`\n$ (${cwd.startsWith(repo) ? cwd.slice(repo.length + 1) || '.' : cwd}) ${command} ${args.join(' ')}`);
  execFileSync(command, args, { cwd, stdio: 'inherit', env: { ...process.env, NODE_OPTIONS: '' } });
}

const packDir = join(here, '.pack');
rmSync(packDir, { recursive: true, force: true });
mkdirSync(packDir);
run('npm', ['pack', '--silent', '--pack-destination', packDir], join(repo, 'libs/resource-server'));
const tarball = join(
  packDir,
  readdirSync(packDir).find((f) => f.endsWith('.tgz')),
);
run('npx', ['attw', tarball], repo);

const workspace = mkdtempSync(join(tmpdir(), 'nrs-consumers-'));
try {
  for (const fixture of FIXTURES.filter((f) => only.length === 0 || only.includes(f))) {
    const dir = join(workspace, fixture);
    cpSync(join(here, fixture), dir, {
      recursive: true,
      filter: (source) => !/[\\/](node_modules|dist)$/.test(source),
    });
    run('npm', ['ci', '--no-audit', '--no-fund'], dir);
    run('npm', ['install', '--no-save', '--no-audit', '--no-fund', tarball], dir);
    run('npm', ['test'], dir);
  }
} finally {
  rmSync(workspace, { recursive: true, force: true });
}
console.log('\ntest:consumers: all fixture apps passed');
