// The suites' local issuer is the public test kit's (nestjs-resource-server/testing).
export { startLocalIssuer } from 'nestjs-resource-server/testing';
export type {
  LocalIssuer,
  LocalIssuerOptions,
  LocalIssuerCounts,
  RouteHandler,
  FaultMode,
} from 'nestjs-resource-server/testing';
