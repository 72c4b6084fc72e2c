import { registerAs } from '@nestjs/config';

/**
 * The sample API's identity-provider settings, from the environment:
 * OIDC_ISSUER (issuer URL), OIDC_AUDIENCE (this API's audience). main.ts fills both in when it
 * starts the embedded development issuer.
 */
export const oidcConfig = registerAs('oidc', () => ({
  issuer: process.env.OIDC_ISSUER ?? '',
  audience: process.env.OIDC_AUDIENCE ?? '',
}));
