import { Reflector } from '@nestjs/core';

/**
 * Requires every listed scope. On a controller and on a handler, both apply.
 * @example
 * ⁣@Scopes('read:messages', 'admin:messages') @Get('admin') admin() {}
 */
export const Scopes = Reflector.createDecorator<string[], string[]>({ transform: (scopes) => scopes });

/**
 * Requires at least one of the listed scopes. On a controller and on a handler, each applies.
 * @example
 * ⁣@AnyScope('read:messages', 'admin:messages') @Get() list() {}
 */
export const AnyScope = Reflector.createDecorator<string[], string[]>({ transform: (scopes) => scopes });
