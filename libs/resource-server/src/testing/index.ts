// nestjs-resource-server/testing: an in-process OpenID provider and token minting for your API's
// tests (Jest ESM or CommonJS, node:test, Vitest). Not for production code.
export { createTestIssuer } from './test-issuer.js';
export type { TestIssuer, TestIssuerOptions, TestTokenOptions } from './test-issuer.js';
export { useTestIssuer } from './testing-module.js';
export type { OverridableBuilder } from './testing-module.js';
export { startLocalIssuer } from './issuer-server.js';
export type { LocalIssuer, LocalIssuerOptions, LocalIssuerCounts, RouteHandler } from './issuer-server.js';
export type { FaultMode } from './faults.js';
export { generateTestKey, jwkThumbprint, ALL_TEST_ALGS } from './keys.js';
export type { TestAlg, TestKey, GenerateTestKeyOptions } from './keys.js';
export {
  signJwt,
  signRawJws,
  mintAccessToken,
  unsignedToken,
  hmacTokenWithPublicKey,
  tamperPayload,
  decodeJwt,
  b64url,
  nowSeconds,
} from './tokens.js';
