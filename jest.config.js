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
  modulePathIgnorePatterns: ['<rootDir>/.*/dist/'],
  moduleNameMapper: {
    '^nestjs-resource-server$': '<rootDir>/libs/resource-server/src/index.ts',
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
    },
    {
      ...common,
      displayName: 'fastify',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.e2e-spec.ts'],
      // graphql-ws subscriptions are served on Express (Apollo) only.
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/start-command\\.e2e-spec\\.ts$', '<rootDir>/test/e2e/graphql-subscriptions\\.e2e-spec\\.ts$'],
      setupFiles: ['<rootDir>/test/fastify-platform.js'],
    },
  ],
  testTimeout: 20000,
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
};
