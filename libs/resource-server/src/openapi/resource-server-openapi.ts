import { Logger, type INestApplicationContext } from '@nestjs/common';
import { hasRequirements } from '../core/authorization/requirements.js';
import type { ResolvedConfig } from '../core/config/config.js';
import { RESOURCE_SERVER_OPTIONS } from '../resource-server.module-definition.js';
import type { ResourceServerModuleOptions } from '../resource-server-options.interface.js';
import { AccessTokenVerifier } from '../core/verifier/access-token-verifier.js';
import { RESOLVED_CONFIG } from '../resource-server.tokens.js';
import { guardedRoutes, type GuardedRoute } from './guarded-routes.js';
import {
  errorSchemas,
  failureResponses,
  securityOf,
  securitySchemes,
  type OAuthEndpoints,
  type OpenApiDocument,
} from './openapi-document.js';

/**
 * Options of {@link applyResourceServerSecurity}.
 * @example
 * ```ts
 * const options: ResourceServerOpenApiOptions = { tokenUrl: 'https://id.example.com/oauth/token', scopeDescriptions: { 'read:messages': 'Read messages' } };
 * ```
 */
export interface ResourceServerOpenApiOptions {
  /** The issuer whose endpoints the OAuth 2.0 scheme names. @default the first configured issuer */
  issuer?: string;
  /** The token endpoint. @default the issuer's discovery `token_endpoint` */
  tokenUrl?: string;
  /** The authorization endpoint. @default the issuer's discovery `authorization_endpoint` */
  authorizationUrl?: string;
  /** Descriptions of scopes shown in Swagger UI's "Authorize" dialog. @default each scope's name */
  scopeDescriptions?: Record<string, string>;
}

// @nestjs/swagger copies a handler's `swagger/apiExtension` metadata into its operations: the
// library marks each handler for the time of the scan, so it finds the operations of every route
// whatever the global prefix, versioning or operationId factory. The key is swagger's own constant.
const EXTENSION_METADATA = 'swagger/apiExtension';
const MARK = 'x-nestjs-resource-server-route';

async function endpointsOf(
  app: INestApplicationContext,
  config: ResolvedConfig,
  options: ResourceServerOpenApiOptions,
): Promise<OAuthEndpoints> {
  const wanted = { tokenUrl: options.tokenUrl, authorizationUrl: options.authorizationUrl };
  if (wanted.tokenUrl && wanted.authorizationUrl) return wanted;
  const iss = options.issuer ?? config.issuers[0]?.issuer;
  const issuer = iss === undefined ? undefined : app.get(AccessTokenVerifier, { strict: false }).issuer(iss);
  try {
    const metadata = await issuer?.discovery.metadata();
    const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
    return {
      tokenUrl: wanted.tokenUrl ?? str(metadata?.token_endpoint),
      authorizationUrl: wanted.authorizationUrl ?? str(metadata?.authorization_endpoint),
    };
  } catch (error) {
    new Logger('ResourceServer').warn(
      `OpenAPI: no OAuth 2.0 endpoints from ${iss}'s discovery (${error instanceof Error ? error.message : String(error)}); documenting a bearer scheme only`,
    );
    return wanted;
  }
}

function scan<T extends OpenApiDocument>(routes: readonly GuardedRoute[], createDocument: () => T): T {
  const saved = routes.map(
    (r) => Reflect.getOwnMetadata(EXTENSION_METADATA, r.handler) as Record<string, unknown> | undefined,
  );
  routes.forEach((r, i) => Reflect.defineMetadata(EXTENSION_METADATA, { ...saved[i], [MARK]: i }, r.handler));
  try {
    return createDocument();
  } finally {
    routes.forEach((r, i) => {
      if (saved[i] === undefined) Reflect.deleteMetadata(EXTENSION_METADATA, r.handler);
      else Reflect.defineMetadata(EXTENSION_METADATA, saved[i], r.handler);
    });
  }
}

/**
 * Builds the OpenAPI document with what the guard enforces: an OAuth 2.0 scheme (client credentials
 * and authorization code flows at the issuer's endpoints, from discovery) and a bearer JWT scheme;
 * per guarded operation a `security` requirement with its scopes (one alternative per `@AnyScope`
 * choice) and 401/403 answers with the error body and the `WWW-Authenticate` header; `security: []`
 * for `@Public()` operations. No `@ApiOAuth2` or `@ApiResponse` needed. `@nestjs/swagger` stays an
 * optional peer: the library never imports it, `createDocument` is your call to it.
 * @example
 * ```ts
 * import type { INestApplication } from '@nestjs/common';
 * import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
 *
 * declare const app: INestApplication;
 * const config = new DocumentBuilder().setTitle('Messages API').build();
 * const document = await applyResourceServerSecurity(app, () => SwaggerModule.createDocument(app, config));
 * SwaggerModule.setup('docs', app, document);
 * ```
 */
export async function applyResourceServerSecurity<T extends OpenApiDocument>(
  app: INestApplicationContext,
  createDocument: () => T,
  options: ResourceServerOpenApiOptions = {},
): Promise<T> {
  const config = app.get<ResolvedConfig>(RESOLVED_CONFIG, { strict: false });
  const { problemDetails = false } = app.get<ResourceServerModuleOptions>(RESOURCE_SERVER_OPTIONS, { strict: false });
  const routes = guardedRoutes(app);
  const document = scan(routes, createDocument);
  const endpoints = await endpointsOf(app, config, options);
  const scopes = new Set<string>();
  for (const item of Object.values(document.paths)) {
    for (const operation of Object.values(item) as Record<string, unknown>[]) {
      if (typeof operation !== 'object' || operation === null || !(MARK in operation)) continue;
      const requirements = routes[operation[MARK] as number]?.requirements;
      delete operation[MARK];
      if (!requirements) continue;
      requirements.scopes.all.forEach((s) => scopes.add(s));
      requirements.scopes.anyOf.forEach((g) => g.forEach((s) => scopes.add(s)));
      operation.security = securityOf(requirements, { oauth2: endpoints.tokenUrl !== undefined });
      if (requirements.isPublic) continue;
      const responses = failureResponses(requirements, hasRequirements(requirements), problemDetails);
      operation.responses = { ...responses, ...(operation.responses as object | undefined) };
    }
  }
  const components = (document.components ??= {});
  components.securitySchemes = {
    ...securitySchemes(endpoints, scopes, options.scopeDescriptions),
    ...components.securitySchemes,
  };
  components.schemas = { ...errorSchemas(), ...components.schemas };
  return document;
}
