import { RESOURCE_SERVER_OPTIONS } from '../resource-server.module-definition.js';
import type { ResourceServerModuleOptions } from '../resource-server-options.interface.js';
import type { TestIssuer } from './test-issuer.js';

/**
 * The part of `@nestjs/testing`'s `TestingModuleBuilder` used here (so this file does not import it).
 * @example
 * ```ts
 * const builder: OverridableBuilder<TestingModuleBuilder> = Test.createTestingModule({ imports: [AppModule] });
 * ```
 */
export interface OverridableBuilder<T> {
  overrideProvider(token: unknown): { useValue(value: unknown): T };
}

/**
 * Points the app's `ResourceServerModule` (however it is configured: `forRoot`, `forRootAsync`,
 * `@nestjs/config`) at a test issuer: its options are replaced by `issuer.moduleOptions(overrides)`.
 * @example
 * ```ts
 * const moduleRef = await useTestIssuer(Test.createTestingModule({ imports: [AppModule] }), issuer).compile();
 * ```
 */
export function useTestIssuer<T>(builder: OverridableBuilder<T>, issuer: TestIssuer, overrides?: Partial<ResourceServerModuleOptions>): T {
  return builder.overrideProvider(RESOURCE_SERVER_OPTIONS).useValue(issuer.moduleOptions(overrides));
}
