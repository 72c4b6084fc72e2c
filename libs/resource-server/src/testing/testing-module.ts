// By the package's own name: whichever build (ESM or CommonJS) loaded the module, this is its token.
import { RESOURCE_SERVER_OPTIONS } from 'nestjs-resource-server';
import type { ResourceServerModuleOptions } from '../resource-server-options.interface.js';
import type { TestIssuer } from './test-issuer.js';

/**
 * The part of `@nestjs/testing`'s `TestingModuleBuilder` used here (so this file does not import it).
 * @example
 * ```ts
 * import { type OverridableBuilder } from 'nestjs-resource-server/testing';
 * import { Test, type TestingModuleBuilder } from '@nestjs/testing';
 *
 * @Module({})
 * class AppModule {}
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
 * import { createTestIssuer, useTestIssuer } from 'nestjs-resource-server/testing';
 * import { Test } from '@nestjs/testing';
 *
 * @Module({})
 * class AppModule {}
 * const issuer = await createTestIssuer();
 * const moduleRef = await useTestIssuer(Test.createTestingModule({ imports: [AppModule] }), issuer).compile();
 * ```
 */
export function useTestIssuer<T>(
  builder: OverridableBuilder<T>,
  issuer: TestIssuer,
  overrides?: Partial<ResourceServerModuleOptions>,
): T {
  return builder.overrideProvider(RESOURCE_SERVER_OPTIONS).useValue(issuer.moduleOptions(overrides));
}
