// nestjs-resource-server/passport: the library for teams on @nestjs/passport. Optional entry point:
// it needs the peer dependencies `@nestjs/passport` and `passport`; the main entry never loads it.
export { AccessTokenStrategy } from './access-token.strategy.js';
export type { PrincipalVerifyCallback, StrategyDone } from './access-token.strategy.js';
export { ResourceServerJwtStrategy } from './resource-server-jwt.strategy.js';
export { passportJwtSecret, jsonWebTokenOptions } from './passport-jwt-secret.js';
export type { SecretOrKeyProvider, PassportJwtVerifyOptions, JsonWebTokenAlgorithm } from './passport-jwt-secret.js';
