// The suites' key helpers are the public test kit's (nestjs-resource-server/testing).
export { generateTestKey, jwkThumbprint, ALL_TEST_ALGS } from 'nestjs-resource-server/testing';
export type { TestAlg, TestKey, GenerateTestKeyOptions } from 'nestjs-resource-server/testing';
