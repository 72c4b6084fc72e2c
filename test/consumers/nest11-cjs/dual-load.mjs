// One implementation per process: `import` and `require` of the package hand out the same classes.
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';

const require = createRequire(import.meta.url);
const cjs = require('nestjs-resource-server');
const esm = await import('nestjs-resource-server');
const cjsPassport = require('nestjs-resource-server/passport');
const esmPassport = await import('nestjs-resource-server/passport');
for (const name of ['AccessTokenGuard', 'AccessTokenVerifier', 'AuthorizationPipeline', 'ResourceServerModule', 'ResourceServerError', 'Scopes', 'Public']) {
  assert.equal(esm[name], cjs[name], `${name} differs between import and require`);
}
assert.equal(esmPassport.ResourceServerJwtStrategy, cjsPassport.ResourceServerJwtStrategy);
console.log(`dual-load: import and require share one implementation (${Object.keys(esm).length} exports)`);
