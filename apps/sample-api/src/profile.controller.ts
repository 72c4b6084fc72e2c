import { Controller, Get } from '@nestjs/common';
import { UserInfo, type UserInfoClaims } from 'nestjs-resource-server';

/** The caller's OpenID userinfo, fetched from the issuer with the caller's token (cached per token). */
@Controller('profile')
export class ProfileController {
  @Get()
  profile(@UserInfo() profile: UserInfoClaims): UserInfoClaims {
    return profile;
  }
}
