import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { ResourceServerError } from '../errors/resource-server.error.js';
import { AuthorizationPipeline } from '../pipeline/authorization-pipeline.js';
import { respondRpc, respondWs } from '../transports/message.transport.js';

/**
 * Answers a `ResourceServerError` thrown outside the guard (by `UserInfoService` or
 * `AccessTokenVerifier.verify()` in a handler, say) the way the guard would on that transport: over
 * HTTP with the status, `WWW-Authenticate`, `Retry-After` and one JSON shape; to a microservice
 * client as an error reply; on a WebSocket as an `exception` event. Registered globally by the
 * module; it catches only this library's errors.
 */
@Catch(ResourceServerError)
export class ResourceServerExceptionFilter implements ExceptionFilter<ResourceServerError> {
  constructor(private readonly pipeline: AuthorizationPipeline) {}

  catch(error: ResourceServerError, host: ArgumentsHost): unknown {
    const type = host.getType<string>();
    const transport = this.pipeline.transport(type);
    if (transport) return transport.respond(error, host);
    if (type === 'rpc') return respondRpc(error);
    if (type === 'ws') return respondWs(error, host);
    // A context type we know nothing about: let Nest's own handling answer it.
    throw error;
  }
}
