import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthorizationPipeline } from '../pipeline/authorization-pipeline.js';
import { readRouteRequirements, RequirementsCache, type RouteRequirements } from '../pipeline/route-requirements.js';
import type { TransportAdapter } from '../transports/transport-adapter.js';

/**
 * Lets a call through only with a valid access token that meets the handler's requirements
 * (`@Scopes`, `@AnyScope`, `@Roles`, `@AnyRole`, `@RequireClaims`). Apply it globally (`APP_GUARD`) and
 * opt handlers out with `@Public()`, or per controller / handler with `@UseGuards(AccessTokenGuard)`
 * in any module. Failures are answered in the transport's idiom (RFC 6750 challenges over HTTP).
 *
 * Extend it through its `protected` hooks, as with `@nestjs/throttler`'s guard.
 * @example
 * ```ts
 * @Module({ providers: [{ provide: APP_GUARD, useClass: AccessTokenGuard }] })
 * export class AppModule {}
 *
 * @Controller('reports')
 * @UseGuards(AccessTokenGuard)
 * export class ReportsController {
 *   @Scopes('read:reports') @Get() list() { return []; }
 * }
 * ```
 */
@Injectable()
export class AccessTokenGuard implements CanActivate {
  private readonly requirementsCache = new RequirementsCache((context) => this.getRequirements(context));

  constructor(
    protected readonly reflector: Reflector,
    protected readonly pipeline: AuthorizationPipeline,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const requirements = this.requirementsCache.get(context);
    if (requirements.isPublic) return true;
    const transport = this.getTransport(context);
    if (!transport) {
      this.pipeline.deniedContext(context.getType());
      return false;
    }
    try {
      const admitted = this.pipeline.run(context, requirements, transport);
      return admitted === true ? true : admitted.catch((error: unknown) => this.handleError(error, context, transport));
    } catch (error) {
      return this.handleError(error, context, transport);
    }
  }

  /**
   * Reads what the handler requires, once per handler (the result is cached). Override to add
   * requirements of your own, e.g. from a custom decorator.
   */
  protected getRequirements(context: ExecutionContext): RouteRequirements {
    return readRouteRequirements(this.reflector, context);
  }

  /** The adapter for the call's context type; undefined denies the call. Override to serve a custom transport. */
  protected getTransport(context: ExecutionContext): TransportAdapter | undefined {
    return this.pipeline.transport(context.getType());
  }

  /**
   * Called with what the transport throws for a failure (for HTTP, a Nest `HttpException` whose
   * `cause` is the `ResourceServerError`, its headers already set). Override to log or audit; it must throw.
   */
  protected handleError(error: unknown, _context: ExecutionContext, _transport: TransportAdapter): never {
    throw error;
  }
}
