// The one authorization pipeline every transport runs through:
//   extract the credential (transport) -> verify (JWT or introspection, core) -> authorize (scopes,
//   roles, claim predicates, core) -> attach the caller (transport carrier) -> or map the failure to
//   the transport's idiom (transport).
// Guards and adapters are glue over it; the rules live in core/ only.
import { Inject, Injectable, Logger, Optional, type ExecutionContext } from '@nestjs/common';
import { authorize, hasRequirements, type Requirements } from '../core/authorization/requirements.js';
import type { Principal } from '../core/claims/principal.js';
import { AccessTokenVerifier } from '../core/verifier/access-token-verifier.js';
import { ResourceServerError, UpstreamError } from '../errors/resource-server.error.js';
import { PIPELINE_OBSERVER, TRANSPORTS } from '../resource-server.tokens.js';
import { markRefused, PipelineObserver } from './pipeline-observer.js';
import { attachCaller, carrierOf } from '../transports/caller.js';
import type { TransportAdapter } from '../transports/transport-adapter.js';
import { UserInfoService } from '../userinfo/userinfo.service.js';

/**
 * Runs the pipeline for one call. Injected by `AccessTokenGuard` (and by any guard of your own that
 * extends it); exported by the module so a guard works in every module of the app.
 */
@Injectable()
export class AuthorizationPipeline {
  private readonly logger = new Logger('ResourceServer');
  private readonly transports: ReadonlyMap<string, TransportAdapter>;
  private readonly deniedTypes = new Set<string>();

  constructor(
    private readonly verifier: AccessTokenVerifier,
    private readonly userInfo: UserInfoService,
    @Inject(TRANSPORTS) transports: readonly TransportAdapter[],
    @Optional() @Inject(PIPELINE_OBSERVER) private readonly observer: PipelineObserver = new PipelineObserver(),
  ) {
    this.transports = new Map(transports.map((t) => [t.type, t]));
  }

  /** The adapter of a context type, or undefined for one the library does not serve. */
  transport(type: string): TransportAdapter | undefined {
    return this.transports.get(type);
  }

  /**
   * Admits the call (the caller attached to its carrier) or throws what its transport throws for the
   * failure. A token that verified before is answered synchronously: no promise on the hot path.
   */
  run(context: ExecutionContext, requirements: Requirements, transport: TransportAdapter): true | Promise<true> {
    let token: string | undefined;
    try {
      token = transport.credential(context).token;
      const cached = this.verifier.verifyCached(token);
      if (cached) {
        this.admit(context, cached, requirements);
        this.observer.accepted(cached);
        return true;
      }
    } catch (error) {
      throw this.refuse(error, token, context, transport);
    }
    // Only a full verification is timed: the cached path above stays free of clock reads.
    const startedAt = this.observer.timed ? performance.now() : undefined;
    return this.verifier
      .verifyUncached(token)
      .then((principal) => {
        this.admit(context, principal, requirements);
        this.observer.accepted(principal, startedAt ?? 0);
        return true as const;
      })
      .catch((error: unknown) => {
        throw this.refuse(error, token, context, transport, startedAt);
      });
  }

  /** Reports a refusal (telemetry, the `onRefusal` hook) and returns what the transport throws for it. */
  private refuse(error: unknown, token: string | undefined, context: ExecutionContext, transport: TransportAdapter, startedAt?: number): unknown {
    const failure = this.normalize(error);
    this.observer.refused(failure, error, token, context, transport.type, startedAt);
    return transport.reject(failure, context);
  }

  /** Logs, once per context type, a call that no adapter serves: it is denied, never let through. */
  deniedContext(type: string): void {
    if (this.deniedTypes.has(type)) return;
    this.deniedTypes.add(type);
    this.logger.warn(`Denied a call of context type "${type}": no transport adapter serves it (this is logged once per type)`);
  }

  private admit(context: ExecutionContext, principal: Principal, requirements: Requirements): true {
    if (hasRequirements(requirements)) {
      try {
        authorize(principal, requirements);
      } catch (error) {
        markRefused(error, principal);
        throw error;
      }
    }
    const carrier = carrierOf(context);
    if (carrier) attachCaller(carrier, { principal, userInfo: this.userInfo });
    return true;
  }

  /** Any failure becomes a ResourceServerError; one we did not plan for (a bug) is a 503 that reveals nothing. */
  normalize(error: unknown): ResourceServerError {
    if (error instanceof ResourceServerError) return error;
    this.logger.error(`Unexpected error while checking an access token: ${error instanceof Error ? error.message : String(error)}`);
    return new UpstreamError('verification_failed', 503, { cause: error });
  }
}
