/**
 * Jest in native ESM mode (NestJS 12 is ESM-only): run through `npm test`, which sets
 * NODE_OPTIONS=--experimental-vm-modules. ts-jest transpiles each file on its own (isolatedModules);
 * `npm test` type-checks the whole tree with tsc before Jest starts.
 * @type {import('jest').Config}
 */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  roots: ['<rootDir>/libs', '<rootDir>/apps', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts', '**/*.e2e-spec.ts'],
  modulePathIgnorePatterns: ['<rootDir>/.*/dist/', '<rootDir>/test/consumers/'],
  // test/consumers holds fixture apps with their own Jest setups, run by `npm run test:consumers`.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/consumers/'],
  moduleNameMapper: {
    '^nestjs-resource-server$': '<rootDir>/libs/resource-server/src/index.ts',
    '^nestjs-resource-server/passport$': '<rootDir>/libs/resource-server/src/passport/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.json' }],
  },
  testTimeout: 20000,
  // `npm test` runs with --coverage: the library's source must stay covered by its specs and e2e suites.
  coverageProvider: 'v8',
  // index.ts only re-exports; *.interface.ts files hold types only and compile to nothing, so v8 would
  // count their JSDoc as uncovered lines.
  collectCoverageFrom: [
    'libs/resource-server/src/**/*.ts',
    '!**/*.spec.ts',
    '!libs/resource-server/src/index.ts',
    '!libs/resource-server/src/**/*.interface.ts',
  ],
  coverageReporters: ['text-summary', 'json-summary', 'lcov'],
  coverageThreshold: {
    './libs/resource-server/src/': { lines: 95, branches: 90 },
  },
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
};
