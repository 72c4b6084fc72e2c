// Jest in its default CommonJS mode, as `nest new` sets it up: ts-jest for our own TypeScript only.
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
};
