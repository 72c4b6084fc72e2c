import { Reflector } from '@nestjs/core';

/**
 * Opts a route or a controller out of a globally applied `AccessTokenGuard`.
 * @example
 * ```ts
 * @Public() @Get('health') health() { return { status: 'ok' }; }
 * ```
 */
export const Public = Reflector.createDecorator<void, boolean>({ transform: () => true });
