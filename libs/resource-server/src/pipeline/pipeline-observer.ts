// What the pipeline reports about each call, in one place for every transport: the verification
// metrics (outcome, error code, issuer, token format, duration) and the application's refusal hook.
import { Logger, type ExecutionContext } from '@nestjs/common';
import type { VerifiedPrincipal } from '../core/claims/principal.js';
import { NO_TELEMETRY, type Telemetry } from '../core/telemetry/telemetry.js';
import type { ResourceServerError } from '../errors/resource-server.error.js';
import { refusalOf, type Refusal } from './refusal.js';

/** Errors of an authorization step, with the caller they refused (so a refusal names its issuer). */
const refusedCaller = new WeakMap<object, VerifiedPrincipal>();

/** Remembers whom an authorization error refused. */
export function markRefused(error: unknown, principal: VerifiedPrincipal): void {
  if (typeof error === 'object' && error !== null) refusedCaller.set(error, principal);
}

function formatOf(token: string | undefined): 'jwt' | 'opaque' | 'none' {
  if (token === undefined) return 'none';
  return token.split('.', 4).length === 3 ? 'jwt' : 'opaque';
}

/** The `iss` a JWT names, read without trusting it; kept only when it is a configured issuer. */
function namedIssuer(token: string | undefined, isConfigured: (iss: string) => boolean): string | undefined {
  const payload = token !== undefined && token.length <= 16_384 ? token.split('.')[1] : undefined;
  if (!payload) return undefined;
  try {
    const iss = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { iss?: unknown }).iss;
    return typeof iss === 'string' && isConfigured(iss) ? iss : undefined;
  } catch {
    return undefined;
  }
}

function requestOf(context: ExecutionContext): Refusal['request'] {
  if (context.getType() !== 'http') return undefined;
  const req = context.switchToHttp().getRequest<{ method?: string; originalUrl?: string; url?: string }>();
  return { method: String(req.method), path: String(req.originalUrl ?? req.url ?? '').split('?')[0] };
}

/** Reports calls to telemetry and to the `onRefusal` hook. Cheap when both are off. */
export class PipelineObserver {
  private readonly logger = new Logger('ResourceServer');
  /** Whether a call's start time is worth reading. */
  readonly timed: boolean;

  constructor(
    private readonly telemetry: Telemetry = NO_TELEMETRY,
    private readonly onRefusal: ((refusal: Refusal) => void) | undefined = undefined,
    private readonly isConfiguredIssuer: (iss: string) => boolean = () => false,
  ) {
    this.timed = telemetry.enabled;
  }

  /** An admitted call; `startedAt` (from `performance.now()`) when it was verified in full. */
  accepted(principal: VerifiedPrincipal, startedAt?: number): void {
    if (!this.timed) return;
    const { issuer, tokenFormat } = principal;
    const cached = startedAt === undefined;
    if (cached && tokenFormat === 'jwt') return this.telemetry.acceptedFromCache(issuer);
    if (tokenFormat === 'jwt') this.telemetry.cacheLookup('verified_token', cached);
    const durationMs = cached ? undefined : performance.now() - startedAt;
    this.telemetry.verification({ outcome: 'accepted', errorCode: undefined, issuer, tokenFormat, cached, durationMs });
  }

  /** A refused call; `startedAt` when it failed in a full verification, undefined when it failed before one. */
  refused(
    error: ResourceServerError,
    cause: unknown,
    token: string | undefined,
    context: ExecutionContext,
    transport: string,
    startedAt?: number,
  ): void {
    if (!this.timed && !this.onRefusal) return;
    const caller = typeof cause === 'object' && cause !== null ? refusedCaller.get(cause) : undefined;
    const issuer = caller?.issuer ?? namedIssuer(token, this.isConfiguredIssuer);
    const tokenFormat = caller?.tokenFormat ?? formatOf(token);
    if (this.timed) {
      if (tokenFormat === 'jwt' && !caller) this.telemetry.cacheLookup('verified_token', false);
      const durationMs = startedAt === undefined ? undefined : performance.now() - startedAt;
      this.telemetry.verification({
        outcome: 'refused',
        errorCode: error.code,
        issuer,
        tokenFormat,
        cached: false,
        durationMs,
      });
    }
    if (!this.onRefusal) return;
    const route = `${context.getClass()?.name ?? '?'}.${context.getHandler()?.name ?? '?'}`;
    try {
      this.onRefusal(refusalOf(error, issuer, transport, route, requestOf(context)));
    } catch (hookError) {
      this.logger.error(`onRefusal hook failed: ${hookError instanceof Error ? hookError.message : String(hookError)}`);
    }
  }
}
