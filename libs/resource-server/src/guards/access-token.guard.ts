import { HttpException, Inject, Injectable, Logger, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AccessTokenVerifier } from '../core/verifier/access-token-verifier.js';
import type { ResolvedConfig } from '../core/config/config.js';
import type { Principal } from '../core/claims/principal.js';
import { checkScopes, type ScopeRequirement } from '../core/claims/scopes.js';
import { extractToken, type TokenSource } from '../core/credentials/token-extractor.js';
import { Public } from '../decorators/public.decorator.js';
import { ANY_OF_ROLES, CLAIM_REQUIREMENT, REQUIRED_ROLES } from '../decorators/roles.decorator.js';
import { ANY_OF_SCOPES, REQUIRED_SCOPES } from '../decorators/scopes.decorator.js';
import { checkAccess, type AccessRequirement } from '../core/claims/roles.js';
import { errorBody, errorHeaders } from '../errors/challenge.js';
import { ResourceServerError, UpstreamError } from '../errors/resource-server.error.js';
import { RESOLVED_CONFIG } from '../resource-server.tokens.js';
import { UserInfoService } from '../userinfo/userinfo.service.js';
import { attachCaller } from './request-principal.js';

interface RouteRules {
  readonly isPublic: boolean;
  readonly scopes: ScopeRequirement;
  readonly access: AccessRequirement;
  /** Precomputed, so a route without requirements does no work per request. */
  readonly hasScopeRules: boolean;
  readonly hasAccessRules: boolean;
}

/** The response operations the guard needs; Express and Fastify both have `header`. */
interface HeaderSink {
  header(name: string, value: string): unknown;
}

/**
 * Lets a request through only with a valid bearer access token that carries the scopes the route
 * requires (`@Scopes`, `@AnyScope`). Apply it globally (`APP_GUARD`) and opt routes out with
 * `@Public()`, or per controller / route with `@UseGuards(AccessTokenGuard)`.
 * Failures are answered per RFC 6750 §3 with a `WWW-Authenticate` challenge.
 * @example
 * providers: [{ provide: APP_GUARD, useExisting: AccessTokenGuard }]
 */
@Injectable()
export class AccessTokenGuard implements CanActivate {
  private readonly logger = new Logger('ResourceServer');
  // Route metadata is read once per handler, not per request.
  private readonly rules = new WeakMap<object, WeakMap<object, RouteRules>>();

  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: AccessTokenVerifier,
    @Inject(RESOLVED_CONFIG) private readonly config: ResolvedConfig,
    private readonly userInfo: UserInfoService,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const rules = this.routeRules(context);
    if (rules.isPublic) return true;
    if (context.getType() !== 'http') {
      // RPC, WebSocket and GraphQL contexts are not supported yet: deny, never fail open.
      this.logger.warn(`Denied a ${context.getType()} call: the access token guard supports HTTP only`);
      return false;
    }
    const http = context.switchToHttp();
    const request = http.getRequest<TokenSource & object>();
    let token: string;
    try {
      token = extractToken(request, this.config.tokenLocations);
      // A token that already verified is answered synchronously: no promise, no await on the hot path.
      const cached = this.verifier.verifyCached(token);
      if (cached) return this.admit(request, cached, rules);
    } catch (error) {
      throw this.toHttpException(error, http.getResponse<HeaderSink>());
    }
    return this.verifier
      .verifyUncached(token)
      .then((principal) => this.admit(request, principal, rules))
      .catch((error: unknown) => {
        throw this.toHttpException(error, http.getResponse<HeaderSink>());
      });
  }

  private admit(request: object, principal: Principal, rules: RouteRules): true {
    if (rules.hasScopeRules) checkScopes(principal.scopes, rules.scopes);
    if (rules.hasAccessRules) checkAccess(principal, rules.access);
    attachCaller(request, { principal, userInfo: this.userInfo });
    return true;
  }

  /** Reads the route's metadata. Override to add rules of your own. */
  protected readRouteRules(context: ExecutionContext): RouteRules {
    const targets = [context.getHandler(), context.getClass()];
    const all = <T>(key: { read(target: object): readonly T[] }) => targets.flatMap((t) => key.read(t));
    const scopes: ScopeRequirement = { all: [...new Set(all(REQUIRED_SCOPES).flat())], anyOf: all(ANY_OF_SCOPES) };
    const access: AccessRequirement = {
      roles: [...new Set(all(REQUIRED_ROLES).flat())],
      anyOfRoles: all(ANY_OF_ROLES),
      predicates: all(CLAIM_REQUIREMENT),
    };
    return {
      isPublic: this.reflector.getAllAndOverride(Public, targets) === true,
      scopes,
      access,
      hasScopeRules: scopes.all.length > 0 || scopes.anyOf.length > 0,
      hasAccessRules: access.roles.length > 0 || access.anyOfRoles.length > 0 || access.predicates.length > 0,
    };
  }

  private routeRules(context: ExecutionContext): RouteRules {
    const cls = context.getClass();
    const handler = context.getHandler();
    let perClass = this.rules.get(cls);
    if (!perClass) this.rules.set(cls, (perClass = new WeakMap()));
    let rules = perClass.get(handler);
    if (!rules) perClass.set(handler, (rules = this.readRouteRules(context)));
    return rules;
  }

  private toHttpException(error: unknown, response: HeaderSink): HttpException {
    if (!(error instanceof ResourceServerError)) {
      // Not an answer we planned (a bug): fail closed with a 503 that reveals nothing, and log it.
      this.logger.error(`Unexpected error while checking an access token: ${String(error)}`);
      return this.toHttpException(new UpstreamError('verification_failed', 503, { cause: error }), response);
    }
    for (const [name, value] of errorHeaders(this.config.realm, error)) response.header(name, value);
    return new HttpException(errorBody(error), error.status, { cause: error });
  }
}
