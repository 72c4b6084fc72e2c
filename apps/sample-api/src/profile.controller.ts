import { Controller, Get } from '@nestjs/common';
import { Principal, UserInfoService, type UserInfo, type VerifiedPrincipal } from 'nestjs-resource-server';

/** The caller's OpenID userinfo, fetched from the issuer with the caller's token. */
@Controller('profile')
export class ProfileController {
  constructor(private readonly userInfo: UserInfoService) {}

  @Get()
  profile(@Principal() caller: VerifiedPrincipal): Promise<UserInfo> {
    return this.userInfo.get(caller);
  }
}
