import { Inject, Injectable } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import type { ResolvedConfig } from '../core/config/config.js';
import { protectedResourceMetadata } from '../core/metadata/protected-resource.js';
import { ANY_OF_SCOPES, REQUIRED_SCOPES } from '../decorators/scopes.decorator.js';
import { RESOLVED_CONFIG } from '../resource-server.tokens.js';

/**
 * Builds the RFC 9728 metadata document once, with `scopes_supported` collected from every
 * `@Scopes` / `@AnyScope` on the app's controllers and providers (GraphQL resolvers included).
 * @internal served by `ProtectedResourceMetadataController`
 */
@Injectable()
export class ProtectedResourceMetadataService {
  private document: Record<string, unknown> | undefined;

  constructor(
    @Inject(RESOLVED_CONFIG) private readonly config: ResolvedConfig,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {}

  /** The document, or undefined when `resourceMetadata` is not configured. */
  metadata(): Record<string, unknown> | undefined {
    const settings = this.config.resourceMetadata;
    if (!settings) return undefined;
    const dpop = this.config.issuers.some((i) => i.dpop !== 'off');
    this.document ??= protectedResourceMetadata(
      settings,
      {
        scopes: this.collectScopes(),
        tokenLocations: this.config.tokenLocations,
        dpopAlgorithms: dpop ? [...this.config.senderConstraints.dpopAlgorithms] : undefined,
        dpopRequired: this.config.issuers.every((i) => i.dpop === 'required'),
      },
      Math.floor(Date.now() / 1000),
    );
    return this.document;
  }

  private collectScopes(): string[] {
    const scopes = new Set<string>();
    const add = (target: object) => {
      for (const list of [...REQUIRED_SCOPES.read(target), ...ANY_OF_SCOPES.read(target)])
        for (const s of list) scopes.add(s);
    };
    for (const wrapper of [...this.discovery.getControllers(), ...this.discovery.getProviders()]) {
      const { metatype, instance } = wrapper as { metatype: unknown; instance: unknown };
      if (!metatype || typeof metatype !== 'function' || !instance || typeof instance !== 'object') continue;
      add(metatype);
      const prototype = Object.getPrototypeOf(instance) as Record<string, unknown>;
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const method = prototype[name];
        if (typeof method === 'function') add(method);
      }
    }
    return [...scopes].sort();
  }
}
