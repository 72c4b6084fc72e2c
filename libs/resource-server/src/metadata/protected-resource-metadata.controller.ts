// RFC 9728 §3: GET /.well-known/oauth-protected-resource, public, JSON.
import { Controller, Get, Header, NotFoundException } from '@nestjs/common';
import { Public } from '../decorators/public.decorator.js';
import { ProtectedResourceMetadataService } from './protected-resource-metadata.service.js';

/**
 * Serves the protected-resource metadata when `resourceMetadata` is configured (404 otherwise).
 * Registered by `ResourceServerModule`; exempt from the guard.
 * @internal
 */
@Controller()
export class ProtectedResourceMetadataController {
  constructor(private readonly metadata: ProtectedResourceMetadataService) {}

  @Public()
  @Get('.well-known/oauth-protected-resource')
  @Header('cache-control', 'public, max-age=3600')
  document(): Record<string, unknown> {
    const document = this.metadata.metadata();
    if (!document) throw new NotFoundException();
    return document;
  }
}
