// One implementation per process: `import` and `require` of the package hand out the same classes,
// whichever comes first. Usage: node dual-load.mjs require-first | import-first
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';

const require = createRequire(import.meta.url);
const order = process.argv[2] ?? 'require-first';
const load = {
  require: async (path) => require(path),
  import: (path) => import(path),
};
const [first, second] = order === 'import-first' ? ['import', 'require'] : ['require', 'import'];
const a = await load[first]('nestjs-resource-server');
const b = await load[second]('nestjs-resource-server');
const pa = await load[first]('nestjs-resource-server/passport');
const pb = await load[second]('nestjs-resource-server/passport');
for (const name of [
  'AccessTokenGuard',
  'AccessTokenVerifier',
  'AuthorizationPipeline',
  'ResourceServerModule',
  'ResourceServerError',
  'RequirementsGuard',
  'Scopes',
  'Public',
]) {
  assert.ok(a[name], `${name} is exported`);
  assert.equal(a[name], b[name], `${name} differs between import and require`);
}
assert.equal(pa.ResourceServerJwtStrategy, pb.ResourceServerJwtStrategy);
console.log(`dual-load (${order}): import and require share one implementation (${Object.keys(a).length} exports)`);
