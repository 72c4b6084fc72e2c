// OpenAPI 3 pieces the library adds to a document built by @nestjs/swagger: the security schemes
// (OAuth 2.0 with the issuer's endpoints, bearer JWT), a security requirement per operation and the
// 401/403 answers with their RFC 6750 challenge. Pure functions over plain objects: no Nest, no swagger.
import type { RouteRequirements } from '../pipeline/route-requirements.js';

/**
 * The part of an OpenAPI 3 document the library reads and writes (`OpenAPIObject` satisfies it).
 * @example
 * ```ts
 * import type { INestApplication } from '@nestjs/common';
 * import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
 *
 * declare const app: INestApplication;
 * const document: OpenApiDocument = SwaggerModule.createDocument(app, new DocumentBuilder().build());
 * ```
 */
export interface OpenApiDocument {
  paths: Record<string, object>;
  components?: { securitySchemes?: Record<string, unknown>; schemas?: Record<string, unknown> };
}

/** An OpenAPI security requirement object: scheme name to the scopes it needs. */
export type SecurityRequirement = Record<string, string[]>;

/** The issuer endpoints of the OAuth 2.0 scheme. */
export interface OAuthEndpoints {
  tokenUrl?: string;
  authorizationUrl?: string;
}

/** Names of the schemes and schemas the library adds. */
export const SCHEME = { oauth2: 'oauth2', bearer: 'bearer' } as const;
export const ERROR_SCHEMA = 'ResourceServerError';
export const PROBLEM_SCHEMA = 'ResourceServerProblem';

/** Most alternative requirement objects listed for one operation (`@AnyScope` groups multiply). */
const MAX_ALTERNATIVES = 32;

/**
 * The alternatives that satisfy a route's scopes: every `@Scopes` scope plus one scope of each
 * `@AnyScope` group. One alternative per combination, as OpenAPI lists any-of requirements.
 */
export function scopeAlternatives(requirements: RouteRequirements): string[][] {
  let alternatives: string[][] = [[...requirements.scopes.all]];
  for (const group of requirements.scopes.anyOf) {
    const next = alternatives.flatMap((alt) => group.map((scope) => [...new Set([...alt, scope])]));
    // Past the bound, say "all of it" rather than list thousands of objects: still never less than required.
    alternatives = next.length > MAX_ALTERNATIVES ? [[...new Set([...alternatives[0], ...group])]] : next;
  }
  return alternatives;
}

/** The operation's `security`: the OAuth 2.0 alternatives, then a bearer JWT; `[]` for a public route. */
export function securityOf(requirements: RouteRequirements, schemes: { oauth2: boolean }): SecurityRequirement[] {
  if (requirements.isPublic) return [];
  const oauth = schemes.oauth2 ? scopeAlternatives(requirements).map((scopes) => ({ [SCHEME.oauth2]: scopes })) : [];
  return [...oauth, { [SCHEME.bearer]: [] }];
}

/** What a 403 means for this route, in words: its scopes, roles and claim checks. */
function forbiddenDescription(requirements: RouteRequirements): string {
  const parts: string[] = [];
  const { scopes, access } = requirements;
  if (scopes.all.length) parts.push(`scopes ${scopes.all.join(', ')}`);
  for (const group of scopes.anyOf) parts.push(`one of the scopes ${group.join(', ')}`);
  if (access.roles.length) parts.push(`roles ${access.roles.join(', ')}`);
  for (const group of access.anyOfRoles) parts.push(`one of the roles ${group.join(', ')}`);
  if (access.predicates.length) parts.push('claim checks');
  return `The token lacks what this operation requires: ${parts.join('; ')} (insufficient_scope for scopes, forbidden otherwise)`;
}

function failure(description: string, problemJson: boolean): Record<string, unknown> {
  const [type, schema] = problemJson
    ? ['application/problem+json', PROBLEM_SCHEMA]
    : ['application/json', ERROR_SCHEMA];
  return {
    description,
    headers: {
      'WWW-Authenticate': {
        description: 'RFC 6750 challenge, e.g. Bearer realm="api", error="invalid_token"',
        schema: { type: 'string' },
      },
    },
    content: { [type]: { schema: { $ref: `#/components/schemas/${schema}` } } },
  };
}

/** The 401 (and, for a route with requirements, 403) answers of a guarded operation. */
export function failureResponses(
  requirements: RouteRequirements,
  hasRequirements: boolean,
  problemJson: boolean,
): Record<string, unknown> {
  const responses: Record<string, unknown> = {
    401: failure('No access token, or one that is invalid, expired or not for this API', problemJson),
  };
  if (hasRequirements) responses[403] = failure(forbiddenDescription(requirements), problemJson);
  return responses;
}

/** The schemes, for the scopes seen on routes; the OAuth 2.0 one only when an endpoint is known. */
export function securitySchemes(
  endpoints: OAuthEndpoints,
  scopes: Iterable<string>,
  descriptions: Record<string, string> = {},
): Record<string, unknown> {
  const scopeMap = Object.fromEntries([...new Set(scopes)].sort().map((s) => [s, descriptions[s] ?? s]));
  const flows: Record<string, unknown> = {};
  if (endpoints.tokenUrl) flows.clientCredentials = { tokenUrl: endpoints.tokenUrl, scopes: scopeMap };
  if (endpoints.tokenUrl && endpoints.authorizationUrl) {
    // Swagger UI runs this flow with PKCE when told to (initOAuth.usePkceWithAuthorizationCodeGrant).
    flows.authorizationCode = {
      authorizationUrl: endpoints.authorizationUrl,
      tokenUrl: endpoints.tokenUrl,
      scopes: scopeMap,
    };
  }
  const schemes: Record<string, unknown> = {
    [SCHEME.bearer]: {
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description: 'An OAuth 2.0 access token (RFC 6750)',
    },
  };
  if (Object.keys(flows).length > 0) {
    schemes[SCHEME.oauth2] = { type: 'oauth2', description: 'OAuth 2.0 access token from the issuer', flows };
  }
  return schemes;
}

/** The error body schemas: the JSON body of every failure, and its RFC 9457 problem form. */
export function errorSchemas(): Record<string, unknown> {
  const text = { type: 'string' };
  return {
    [ERROR_SCHEMA]: {
      type: 'object',
      required: ['statusCode', 'error', 'message'],
      properties: { statusCode: { type: 'integer' }, error: { ...text, example: 'invalid_token' }, message: text },
    },
    [PROBLEM_SCHEMA]: {
      type: 'object',
      required: ['type', 'title', 'status'],
      properties: {
        type: text,
        title: text,
        status: { type: 'integer' },
        detail: text,
        error: { ...text, example: 'invalid_token' },
      },
    },
  };
}
