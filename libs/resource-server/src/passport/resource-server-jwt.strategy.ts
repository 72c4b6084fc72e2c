import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { AuthorizationPipeline, type VerifiedPrincipal } from 'nestjs-resource-server';
import { AccessTokenStrategy } from './access-token.strategy.js';

// The mixin's own type names differ between @nestjs/passport 11 and 12: the base is typed here so
// the published declarations mention neither.
const JwtBase: new (pipeline: AuthorizationPipeline) => AccessTokenStrategy = PassportStrategy(
  AccessTokenStrategy,
  'jwt',
);

/**
 * The library's verification as Passport's `'jwt'` strategy: replace the `JwtStrategy` provider
 * (passport-jwt + jwks-rsa) with this one and every `AuthGuard('jwt')` route is checked by the
 * library; `req.user` is the verified principal, and `@Scopes`/`@Roles`/`@RequireClaims` are enforced
 * (by `RequirementsGuard` or the module's interceptor). Needs `ResourceServerModule` imported.
 * Override `validate` to map the principal to your own user object.
 * @example
 * ```ts
 * import { PassportModule } from '@nestjs/passport';
 * import { ResourceServerJwtStrategy } from 'nestjs-resource-server/passport';
 *
 * @Module({
 *   imports: [PassportModule, ResourceServerModule.forRoot({ issuer: 'https://id.example.com/', audience: 'https://api.example.com' })],
 *   providers: [ResourceServerJwtStrategy], // was: JwtStrategy
 * })
 * export class AuthModule {}
 * ```
 */
@Injectable()
export class ResourceServerJwtStrategy extends JwtBase {
  constructor(pipeline: AuthorizationPipeline) {
    super(pipeline);
  }

  /** What becomes `req.user`: the verified principal. */
  validate(principal: VerifiedPrincipal): unknown {
    return principal;
  }
}
