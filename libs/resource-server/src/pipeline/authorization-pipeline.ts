// The one authorization pipeline every transport runs through:
//   extract the credential (transport) -> verify (JWT or introspection, core) -> bind (a DPoP- or
//   certificate-bound token needs its proof, core/binding) -> authorize (scopes, roles, claim
//   predicates, core) -> attach the caller (transport carrier) -> or map the failure to the
//   transport's idiom (transport). Telemetry and the `onRefusal` hook observe it from the side.
// Guards and adapters are glue over it; the rules live in core/ only.
import { Inject, Injectable, Logger, Optional, type ExecutionContext } from '@nestjs/common';
import { authorize, hasRequirements, type Requirements } from '../core/authorization/requirements.js';
import { SenderConstraints } from '../core/binding/sender-constraint.js';
import type { VerifiedPrincipal } from '../core/claims/principal.js';
import { AccessTokenVerifier } from '../core/verifier/access-token-verifier.js';
import { ResourceServerError, UpstreamError } from '../errors/resource-server.error.js';
import { PIPELINE_OBSERVER, TRANSPORTS } from '../resource-server.tokens.js';
import { attachCaller, carrierOf } from '../transports/caller.js';
import { httpContextOf } from '../transports/http-context.js';
import type { Credential, TransportAdapter } from '../transports/transport-adapter.js';
import { UserInfoService } from '../userinfo/userinfo.service.js';
import { markRefused, PipelineObserver } from './pipeline-observer.js';

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
    private readonly constraints: SenderConstraints,
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
   * failure. A token that verified before, presented without a proof to check, is answered
   * synchronously: no promise on the hot path.
   */
  run(context: ExecutionContext, requirements: Requirements, transport: TransportAdapter): true | Promise<true> {
    // No closure, no promise on the cached path: it runs for nearly every call.
    let credential: Credential | undefined;
    try {
      credential = transport.credential(context);
      const cached = this.verifier.verifyCached(credential.token);
      if (cached) {
        const admitted = this.bind(context, cached, credential, requirements, transport);
        if (admitted === true) return this.accepted(cached);
        const { token } = credential;
        return admitted.then(
          () => this.accepted(cached),
          (error: unknown) => {
            throw this.refuse(error, token, context, transport);
          },
        );
      }
    } catch (error) {
      throw this.refuse(error, credential?.token, context, transport);
    }
    return this.runUncached(context, requirements, transport, credential);
  }

  private async runUncached(
    context: ExecutionContext,
    requirements: Requirements,
    transport: TransportAdapter,
    credential: Credential,
  ): Promise<true> {
    // Only a full verification is timed: the cached path stays free of clock reads.
    const startedAt = this.observer.timed ? performance.now() : undefined;
    try {
      const principal = await this.verifier.verifyUncached(credential.token);
      await this.bind(context, principal, credential, requirements, transport);
      return this.accepted(principal, startedAt ?? 0);
    } catch (error) {
      throw this.refuse(error, credential.token, context, transport, startedAt);
    }
  }

  /**
   * Authenticates a bare HTTP request (Express or Fastify) outside a guard, e.g. in a Passport
   * strategy: reads its credential as the HTTP adapter does, verifies it, checks its binding (DPoP,
   * mTLS) and attaches the caller (so `@Principal()` and the route requirements see it). Rejects with
   * a `ResourceServerError`; route requirements are left to `RequirementsGuard` / the module's interceptor.
   * @example
   * ```ts
   * declare const pipeline: AuthorizationPipeline, req: object;
   * const principal = await pipeline.authenticateRequest(req);
   * ```
   */
  async authenticateRequest(request: object): Promise<VerifiedPrincipal> {
    const transport = this.transports.get('http');
    if (!transport) throw this.normalize(new Error('no HTTP transport adapter is registered'));
    try {
      const credential = transport.credential(httpContextOf(request));
      const principal =
        this.verifier.verifyCached(credential.token) ?? (await this.verifier.verifyUncached(credential.token));
      await this.constraints.check(principal, credential);
      attachCaller(request, principal, this.userInfo);
      return principal;
    } catch (error) {
      throw this.normalize(error);
    }
  }

  /** Logs, once per context type, a call that no adapter serves: it is denied, never let through. */
  deniedContext(type: string): void {
    if (this.deniedTypes.has(type)) return;
    this.deniedTypes.add(type);
    this.logger.warn(
      `Denied a call of context type "${type}": no transport adapter serves it (this is logged once per type)`,
    );
  }

  /** Any failure becomes a ResourceServerError; one we did not plan for (a bug) is a 503 that reveals nothing. */
  normalize(error: unknown): ResourceServerError {
    if (error instanceof ResourceServerError) return error;
    this.logger.error(
      `Unexpected error while checking an access token: ${error instanceof Error ? error.message : String(error)}`,
    );
    return new UpstreamError('verification_failed', 503, { cause: error });
  }

  /**
   * The binding check (`cnf`: DPoP, mTLS) for every token, cached or not, then authorization. The
   * only place that decides whether a sender-constrained token was presented with its proof.
   */
  private bind(
    context: ExecutionContext,
    principal: VerifiedPrincipal,
    credential: Credential,
    requirements: Requirements,
    transport: TransportAdapter,
  ): true | Promise<true> {
    let proof: ReturnType<SenderConstraints['check']>;
    try {
      proof = this.constraints.check(principal, credential);
    } catch (error) {
      markRefused(error, principal);
      throw error;
    }
    if (proof === undefined) return this.admit(context, principal, requirements);
    return proof.then(
      ({ nextNonce }) => {
        if (nextNonce !== undefined) transport.setHeader?.(context, 'DPoP-Nonce', nextNonce);
        return this.admit(context, principal, requirements);
      },
      (error: unknown) => {
        markRefused(error, principal);
        throw error;
      },
    );
  }

  private admit(context: ExecutionContext, principal: VerifiedPrincipal, requirements: Requirements): true {
    const required = hasRequirements(requirements);
    if (required) {
      try {
        authorize(principal, requirements);
      } catch (error) {
        markRefused(error, principal);
        throw error;
      }
    }
    const carrier = carrierOf(context);
    // The requirements interceptor skips a handler whose requirements were checked here.
    if (carrier) attachCaller(carrier, principal, this.userInfo, required ? context.getHandler() : undefined);
    return true;
  }

  private accepted(principal: VerifiedPrincipal, startedAt?: number): true {
    if (startedAt === undefined) this.observer.accepted(principal);
    else this.observer.accepted(principal, startedAt);
    return true;
  }

  /** Reports a refusal (telemetry, the `onRefusal` hook) and returns what the transport throws for it. */
  private refuse(
    error: unknown,
    token: string | undefined,
    context: ExecutionContext,
    transport: TransportAdapter,
    startedAt?: number,
  ): unknown {
    const failure = this.normalize(error);
    this.observer.refused(failure, error, token, context, transport.type, startedAt);
    return transport.reject(failure, context);
  }
}
