/**
 * `npm run test:redis`: the suites that need a real Redis (Debian's redis-server on the PATH). Not part
 * of `npm test`, which needs nothing but Node. Same ESM setup as jest.config.js (its Express project).
 * @type {import('jest').Config}
 */
import base from './jest.config.js';

const [express] = base.projects;

export default {
  ...express,
  displayName: undefined,
  roots: ['<rootDir>/test/redis'],
  testMatch: ['**/*.redis-spec.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  reporters: base.reporters,
  testTimeout: 60000,
  maxWorkers: 1,
};
