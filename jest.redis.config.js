/**
 * `npm run test:redis`: the suites that need a real Redis (Debian's redis-server on the PATH). Not part
 * of `npm test`, which needs nothing but Node. Same ESM setup as jest.config.js.
 * @type {import('jest').Config}
 */
import base from './jest.config.js';

export default {
  ...base,
  roots: ['<rootDir>/test/redis'],
  testMatch: ['**/*.redis-spec.ts'],
  testTimeout: 60000,
  maxWorkers: 1,
};
