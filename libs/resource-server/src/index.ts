// The public API of nestjs-resource-server. Everything not exported here is internal.
export { ResourceServerModule } from './resource-server.module.js';
export { RESOURCE_SERVER_OPTIONS } from './resource-server.module-definition.js';
export type { ResourceServerModuleExtras } from './resource-server.module-definition.js';
export type {
  ResourceServerModuleOptions,
  KeySetOptions,
  UserInfoOptions,
  IntrospectionOptions,
  IssuerOptions,
  IssuerDefaults,
  GlobalOptions,
  WebSocketOptions,
  MicroserviceOptions,
} from './resource-server-options.interface.js';
export type { DpopProofOptions, ResourceMetadataOptions } from './sender-constraint-options.interface.js';
export type { DpopReplayStore } from './core/dpop/replay-store.js';
export { DPOP_REPLAY_STORE } from './resource-server.tokens.js';
export type { ProviderPreset, ClaimPath } from './core/claims/providers.js';
export { AccessTokenGuard } from './guards/access-token.guard.js';
export { RequirementsGuard } from './guards/requirements.guard.js';
export { AuthorizationPipeline } from './pipeline/authorization-pipeline.js';
export type { RouteRequirements } from './pipeline/route-requirements.js';
export type { Requirements } from './core/authorization/requirements.js';
export type { TransportAdapter, Credential } from './transports/transport-adapter.js';
export type { ErrorPayload } from './errors/payload.js';
export { GraphqlAccessError } from './transports/graphql.transport.js';
export type { GraphqlErrorExtensions, GraphqlWsContext } from './transports/graphql.transport.js';
export { GraphqlWsAuth } from './transports/graphql-ws.auth.js';
export type { GraphqlWsAuthOptions, GraphqlWsConnectContext } from './transports/graphql-ws.auth.js';
export { Public } from './decorators/public.decorator.js';
export { Scopes, AnyScope } from './decorators/scopes.decorator.js';
export { Roles, AnyRole, RequireClaims } from './decorators/roles.decorator.js';
export type { ClaimRequirement } from './decorators/roles.decorator.js';
export { Principal, AccessToken } from './decorators/principal.decorator.js';
export type { ParamDecoratorFactory, ParamPipe } from './decorators/principal.decorator.js';
export { UserInfo } from './decorators/userinfo.decorator.js';
export type { VerifiedPrincipal, AccessTokenClaims } from './core/claims/principal.js';
export { UserInfoService } from './userinfo/userinfo.service.js';
export { SocketAuthenticator, TOKEN_EXPIRED_CLOSE_CODE } from './websockets/socket-authenticator.js';
export type { SocketIoServerLike, WsServerLike } from './websockets/socket-authenticator.js';
export type { UserInfo as UserInfoClaims } from './core/userinfo/userinfo-client.js';
export { AccessTokenVerifier } from './core/verifier/access-token-verifier.js';
export { ResourceServerConfigError } from './core/config/config.js';
export type { JwsAlgorithm } from './core/jose/algorithms.js';
export type { TokenLocation } from './core/credentials/token-extractor.js';
export {
  ResourceServerError,
  MissingTokenError,
  InvalidRequestError,
  InvalidTokenError,
  InsufficientScopeError,
  ForbiddenError,
  UpstreamError,
  InvalidDpopProofError,
  UseDpopNonceError,
} from './errors/resource-server.error.js';
export type { BearerErrorCode } from './errors/resource-server.error.js';
export type { ErrorCode } from './errors/messages.js';
export type { ErrorBody } from './errors/challenge.js';
export { applyResourceServerSecurity } from './openapi/resource-server-openapi.js';
export type { ResourceServerOpenApiOptions } from './openapi/resource-server-openapi.js';
export type { OpenApiDocument } from './openapi/openapi-document.js';
export type { Refusal } from './pipeline/refusal.js';
export { ResourceServerHealthIndicator } from './health/resource-server.health.js';
export type { ResourceServerHealth, IssuerHealth } from './health/resource-server.health.js';
export type { ProblemDetails } from './errors/problem.js';
export { RevocationService } from './revocation/revocation.service.js';
export { RevocationEventsService } from './revocation/revocation-events.service.js';
export { backChannelLogoutController, securityEventsController } from './revocation/revocation-events.controllers.js';
export { EventTokenError } from './core/revocation/event-token.js';
export type { RevocationRequest } from './core/revocation/revocations.js';
export type { RevocationEntry, RevocationKind } from './core/revocation/revocation-list.js';
export type { RedisOptions, RevocationOptions } from './resource-server-options.interface.js';
