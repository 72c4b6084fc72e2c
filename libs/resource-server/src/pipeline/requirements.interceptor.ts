import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Observable } from 'rxjs';
import { enforceRequirements } from './enforce-requirements.js';
import { readRouteRequirements, RequirementsCache } from './route-requirements.js';

/**
 * Registered globally by `ResourceServerModule`: before any handler runs, its requirements must
 * have been checked against a verified caller (by the pipeline, or here against the caller a
 * Passport strategy left), or the call is refused with 403. Fail closed: a route's `@Scopes` is
 * never ignored because the guard in front of it was not the library's. Internal.
 */
@Injectable()
export class RequirementsInterceptor implements NestInterceptor {
  private readonly requirements = new RequirementsCache((context) => readRouteRequirements(this.reflector, context));

  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    enforceRequirements(context, this.requirements);
    return next.handle();
  }
}
