/**
 * `npm run test:browser`: Swagger UI in a real Chromium (Debian's /usr/bin/chromium, driven by
 * playwright-core). Not part of `npm test`, which needs nothing but Node. Same ESM setup as jest.config.js.
 * @type {import('jest').Config}
 */
import base from './jest.config.js';

const [express] = base.projects;

export default {
  ...express,
  displayName: undefined,
  roots: ['<rootDir>/test/browser'],
  testMatch: ['**/*.browser-spec.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  reporters: base.reporters,
  testTimeout: 60000,
  maxWorkers: 1,
};
