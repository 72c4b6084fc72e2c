// A Passport strategy (an object with `authenticate(req)`) built on the library's pipeline. It never
// imports `passport` itself: Passport only needs the method, and the published types stay free of
// `@types/passport`.
import { InvalidTokenError, type AuthorizationPipeline, type VerifiedPrincipal } from 'nestjs-resource-server';

/** Passport's `done` callback: an error, or the user (falsy refuses the call) and optional info. */
export type StrategyDone = (error: unknown, user?: unknown, info?: unknown) => void;

/** Maps the verified principal to `req.user` (Passport's verify callback). */
export type PrincipalVerifyCallback = (principal: VerifiedPrincipal, done: StrategyDone) => void;

/**
 * A Passport strategy that verifies the request's bearer token with the library (the configured
 * issuers, keys, claims and token locations) and attaches the caller, so `@Principal()` and the route
 * requirements work behind `AuthGuard(...)`. A failure is handed to Passport as the library's
 * `ResourceServerError`, which the module's exception filter answers with the RFC 6750 status,
 * `WWW-Authenticate` challenge and body shape of `AccessTokenGuard` (not Passport's bare 401).
 *
 * Use it through `PassportStrategy(AccessTokenStrategy, name)`, or take {@link ResourceServerJwtStrategy}.
 * @example
 * ```ts
 * @Injectable()
 * export class ApiStrategy extends PassportStrategy(AccessTokenStrategy, 'api') {
 *   constructor(pipeline: AuthorizationPipeline) { super(pipeline); }
 *   validate(principal: VerifiedPrincipal) { return principal; }
 * }
 * ```
 */
export class AccessTokenStrategy {
  /** Passport's strategy name; `PassportStrategy(..., name)` registers it under `name` instead. */
  name = 'resource-server';
  // Passport adds these to the per-request copy of the strategy it calls `authenticate` on.
  declare success: (user: unknown, info?: unknown) => void;
  declare error: (error: unknown) => void;

  constructor(
    private readonly pipeline: AuthorizationPipeline,
    private readonly verify: PrincipalVerifyCallback = (principal, done) => done(null, principal),
  ) {}

  /** Called by Passport for each request. */
  authenticate(request: object): void {
    this.pipeline.authenticateRequest(request).then(
      (principal) => this.admit(principal),
      (error: unknown) => this.error(error),
    );
  }

  private admit(principal: VerifiedPrincipal): void {
    try {
      this.verify(principal, (error, user, info) => {
        if (error) this.error(error);
        // A verify callback that refuses the caller: 401 invalid_token, as a refused token would be.
        else if (!user) this.error(new InvalidTokenError('claims_rejected'));
        else this.success(user, info);
      });
    } catch (error) {
      this.error(error);
    }
  }
}
