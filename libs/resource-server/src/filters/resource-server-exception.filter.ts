import { Catch, Inject, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { ResolvedConfig } from '../core/config/config.js';
import { errorBody, errorHeaders } from '../errors/challenge.js';
import { ResourceServerError } from '../errors/resource-server.error.js';
import { RESOLVED_CONFIG } from '../resource-server.tokens.js';

/**
 * Answers a `ResourceServerError` thrown outside the guard (by `UserInfoService` in a handler, say)
 * the same way the guard does: status, `WWW-Authenticate`, `Retry-After`, one JSON shape. Registered
 * globally by the module; it catches only this library's errors. Platform-neutral via the adapter.
 */
@Catch(ResourceServerError)
export class ResourceServerExceptionFilter implements ExceptionFilter<ResourceServerError> {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(RESOLVED_CONFIG) private readonly config: ResolvedConfig,
  ) {}

  catch(error: ResourceServerError, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw error;
    const adapter = this.adapterHost.httpAdapter;
    const response = host.switchToHttp().getResponse<unknown>();
    for (const [name, value] of errorHeaders(this.config.realm, error)) adapter.setHeader(response, name, value);
    adapter.reply(response, errorBody(error), error.status);
  }
}
