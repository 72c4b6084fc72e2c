import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { UserInfo as UserInfoClaims } from '../core/userinfo/userinfo-client.js';
import { requireCaller, type ParamDecoratorFactory } from './principal.decorator.js';

/**
 * Injects the caller's OpenID userinfo (fetched from the issuer, cached per token), or one claim of it.
 * The handler receives the resolved value; failures are answered 401/502/503/504 like the guard's.
 * @example
 * ```ts
 * @Controller('profile')
 * class ProfileController {
 *   @Get() profile(@UserInfo() me: UserInfoClaims) { return me; }
 *   @Get('email') email(@UserInfo('email') email: string | undefined) { return { email }; }
 * }
 * ```
 */
export const UserInfo: ParamDecoratorFactory<string> = createParamDecorator(
  async (claim: string | undefined, context: ExecutionContext): Promise<unknown> => {
    const caller = requireCaller(context);
    const info: UserInfoClaims = await caller.userInfo.get(caller.principal);
    return claim === undefined ? info : info[claim];
  },
);
