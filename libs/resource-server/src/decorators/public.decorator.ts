import { SetMetadata } from '@nestjs/common';

/**
 * Metadata key of `@Public()`. A `Symbol.for` key, not `Reflector.createDecorator` (whose key is a
 * random id per load): the ESM and the CommonJS build of the library must read the same metadata.
 */
export const IS_PUBLIC = Symbol.for('nestjs-resource-server:public');

/**
 * Opts a route or a controller out of a globally applied `AccessTokenGuard`.
 * @example
 * ```ts
 * @Public() @Get('health') health() { return { status: 'ok' }; }
 * ```
 */
export function Public(): ClassDecorator & MethodDecorator {
  return SetMetadata(IS_PUBLIC, true);
}
