#!/usr/bin/env node
// npm run test:consumers: the library as its users get it. Packs libs/resource-server (`npm pack`,
// which builds both formats), checks the tarball with @arethetypeswrong/cli, then installs it with a
// plain `npm install` (no --legacy-peer-deps) into each fixture app, whose other dependencies come
// from its own lockfile, and runs the app's tests (type-checks, e2e with real keys, dual loading).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '../..');
const FIXTURES = ['nest11-cjs', 'nest12-esm-fastify'];
const only = process.argv.slice(2);

function run(command, args, cwd) {
  console.log(`\n$ (${cwd.slice(repo.length + 1) || '.'}) ${command} ${args.join(' ')}`);
  execFileSync(command, args, { cwd, stdio: 'inherit', env: { ...process.env, NODE_OPTIONS: '' } });
}

const packDir = join(here, '.pack');
rmSync(packDir, { recursive: true, force: true });
mkdirSync(packDir);
run('npm', ['pack', '--silent', '--pack-destination', packDir], join(repo, 'libs/resource-server'));
const tarball = join(packDir, readdirSync(packDir).find((f) => f.endsWith('.tgz')));
run('npx', ['attw', tarball], repo);

for (const fixture of FIXTURES.filter((f) => only.length === 0 || only.includes(f))) {
  const dir = join(here, fixture);
  run('npm', ['ci', '--no-audit', '--no-fund'], dir);
  run('npm', ['install', '--no-save', '--no-audit', '--no-fund', tarball], dir);
  run('npm', ['test'], dir);
}
console.log('\ntest:consumers: all fixture apps passed');
