/**
 * Jest in native ESM mode (NestJS 12 is ESM-only): run through `npm test`, which sets
 * NODE_OPTIONS=--experimental-vm-modules. ts-jest transpiles each file on its own (isolatedModules);
 * `npm test` type-checks the whole tree with tsc before Jest starts.
 *
 * Two projects: every spec on the default platform (Express), then every e2e suite again on Fastify
 * (HTTP_PLATFORM=fastify, set by test/fastify-platform.js). `npm start` is run once, by the first
 * project; its spec starts the built app on Fastify itself (two parallel builds of one dist/ would race).
 * @type {import('jest').Config}
 */
const common = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  // test/consumers holds fixture apps with their own Jest setups, run by `npm run test:consumers`.
  modulePathIgnorePatterns: ['<rootDir>/.*/dist/', '<rootDir>/test/consumers/'],
  moduleNameMapper: {
    '^nestjs-resource-server$': '<rootDir>/libs/resource-server/src/index.ts',
    '^nestjs-resource-server/passport$': '<rootDir>/libs/resource-server/src/passport/index.ts',
    '^nestjs-resource-server/testing$': '<rootDir>/libs/resource-server/src/testing/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
    // mercurius -> @fastify/static requires content-disposition 3, which is ESM-only: Jest cannot
    // require() it below Node 24.9 (plain Node 20.19+ can). Version 2 has the same API in CommonJS.
    '^content-disposition$': '<rootDir>/node_modules/content-disposition/dist/index.js',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.json' }],
  },
};

export default {
  projects: [
    {
      ...common,
      displayName: 'express',
      roots: ['<rootDir>/libs', '<rootDir>/apps', '<rootDir>/test'],
      testMatch: ['**/*.spec.ts', '**/*.e2e-spec.ts'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/consumers/'],
    },
    {
      ...common,
      displayName: 'fastify',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.e2e-spec.ts'],
      // graphql-ws subscriptions are served on Express (Apollo) only.
      testPathIgnorePatterns: [
        '/node_modules/',
        '<rootDir>/test/consumers/',
        '<rootDir>/test/start-command\\.e2e-spec\\.ts$',
        '<rootDir>/test/e2e/graphql-subscriptions\\.e2e-spec\\.ts$',
      ],
      setupFiles: ['<rootDir>/test/fastify-platform.js'],
    },
  ],
  testTimeout: 20000,
  // Two workers on the project's 2-core machines: the suites wait on sockets and child processes most of
  // the time, and one worker (Jest's default there) took 20 minutes.
  maxWorkers: 2,
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
