import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ResolvedConfig } from '../core/config/config.js';
import type { RevocationConfig } from '../core/config/shared-state-config.js';
import { JwksKeyStore } from '../core/issuer/key-store.js';
import { EventTokenError, verifyEventToken, type EventTokenRules } from '../core/revocation/event-token.js';
import { logoutRevocations, securityEventRevocations } from '../core/revocation/event-revocations.js';
import { Revocations, type RevocationRequest } from '../core/revocation/revocations.js';
import type { Runtime } from '../core/runtime.js';
import { MemoryReplayStore, type ReplayStore } from '../core/shared/replay-store.js';
import { AccessTokenVerifier } from '../core/verifier/access-token-verifier.js';
import { REPLAY_STORE, RESOLVED_CONFIG, RUNTIME } from '../resource-server.tokens.js';

const LOGOUT_TYPES = new Set(['logout+jwt', 'application/logout+jwt']);
const SET_TYPES = new Set(['secevent+jwt', 'application/secevent+jwt']);

/**
 * Turns signed event tokens into revocations: OpenID Connect Back-Channel Logout tokens and RFC 8417
 * Security Event Tokens. Each is verified with its sender's keys and accepted once (`jti`).
 * Failures throw `EventTokenError` (answer 400) or a `ResourceServerError` for an outage (503).
 * @example
 * ```ts
 * @Controller('oidc')
 * class LogoutController {
 *   constructor(private readonly events: RevocationEventsService) {}
 *   @Public() @Post('backchannel-logout') @HttpCode(200)
 *   logout(@Body('logout_token') token: string) { return this.events.backChannelLogout(token); }
 * }
 * ```
 */
@Injectable()
export class RevocationEventsService {
  private readonly logger = new Logger('ResourceServer');
  private readonly settings: RevocationConfig;
  private readonly transmitters = new Map<string, JwksKeyStore>();
  /** Used while the shared replay store is down: see `once`. */
  private readonly localReplay: MemoryReplayStore;

  constructor(
    private readonly verifier: AccessTokenVerifier,
    private readonly revocations: Revocations,
    @Inject(RESOLVED_CONFIG) private readonly config: ResolvedConfig,
    @Inject(RUNTIME) private readonly runtime: Runtime,
    @Inject(REPLAY_STORE) private readonly replay: ReplayStore,
  ) {
    this.settings = config.revocation;
    this.localReplay = new MemoryReplayStore(10_000, runtime.now);
    for (const t of this.settings.securityEvents?.transmitters ?? []) {
      this.transmitters.set(
        t.issuer,
        new JwksKeyStore(t.issuer, () => Promise.resolve(t.jwksUri), config.keySet, runtime),
      );
    }
  }

  /** Verifies a logout token (the `logout_token` form parameter) and revokes what it names. */
  async backChannelLogout(logoutToken: unknown): Promise<void> {
    const bcl = this.settings.backChannelLogout;
    if (!bcl) throw new EventTokenError('invalid_request', 'back-channel logout is not enabled');
    const token = this.compact(logoutToken);
    const issuer = this.verifier.issuer(String(unverifiedClaim(token, 'iss')));
    if (!issuer) throw new EventTokenError('invalid_issuer', 'the logout token issuer is not trusted');
    const rules = this.rules(
      issuer.config.issuer,
      bcl.clientId,
      bcl.maxAge,
      LOGOUT_TYPES,
      false,
      issuer.config.algorithms,
    );
    const payload = await verifyEventToken(token, issuer.keys, rules, this.nowSeconds());
    await this.once(`logout:${issuer.config.issuer}:${String(payload.jti)}`, bcl.maxAge);
    await this.revokeAll(logoutRevocations(payload), 'back-channel logout');
  }

  /** Verifies a Security Event Token (the raw `application/secevent+jwt` body) and revokes what it names. */
  async securityEvent(set: unknown): Promise<void> {
    const se = this.settings.securityEvents;
    if (!se) throw new EventTokenError('invalid_request', 'security events are not enabled');
    const token = this.compact(set);
    const iss = unverifiedClaim(token, 'iss');
    const keys = typeof iss === 'string' ? this.transmitters.get(iss) : undefined;
    if (!keys) throw new EventTokenError('invalid_issuer', 'the security event transmitter is not trusted');
    const algorithms = new Set(this.config.issuers.flatMap((i) => [...i.algorithms]));
    const rules = this.rules(iss as string, se.audience, se.maxAge, SET_TYPES, true, algorithms);
    const payload = await verifyEventToken(token, keys, rules, this.nowSeconds());
    await this.once(`set:${iss as string}:${String(payload.jti)}`, se.maxAge);
    await this.revokeAll(securityEventRevocations(payload), 'security event');
  }

  private rules(
    issuer: string,
    audience: string,
    maxAge: number,
    types: ReadonlySet<string>,
    typeRequired: boolean,
    algorithms: EventTokenRules['algorithms'],
  ): EventTokenRules {
    const clockTolerance = this.config.issuers[0]?.clockTolerance ?? 5;
    return { types, typeRequired, issuer, audience, algorithms, clockTolerance, maxAge };
  }

  private compact(value: unknown): string {
    if (typeof value !== 'string' || value === '')
      throw new EventTokenError('invalid_request', 'the request carries no token');
    return value.trim();
  }

  private async once(id: string, maxAgeSeconds: number): Promise<void> {
    const expiresAt = this.runtime.now() + (maxAgeSeconds + 60) * 1000;
    // A replayed event token can only repeat its revocation (a no-op), while a logout refused during a
    // Redis outage would be lost (issuers rarely retry): without the shared store, this process's own
    // memory still stops replays against this instance.
    const first = await this.replay.setIfAbsent(id, expiresAt).catch(() => this.localReplay.setIfAbsent(id, expiresAt));
    if (!first) throw new EventTokenError('invalid_request', 'the token was already received');
  }

  private async revokeAll(requests: RevocationRequest[], source: string): Promise<void> {
    for (const request of requests) await this.revocations.revoke(request);
    this.logger.log(
      `Revoked by ${source}: ${requests.map((r) => (r.jti ? 'jti' : r.sid ? 'sid' : 'sub')).join(', ') || 'nothing'}`,
    );
  }

  private nowSeconds(): number {
    return Math.floor(this.runtime.now() / 1000);
  }
}

/** A claim of a token not yet verified, only to pick whose keys verify it; undefined when unreadable. */
function unverifiedClaim(token: string, name: string): unknown {
  try {
    const payload: unknown = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
    return typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>)[name] : undefined;
  } catch {
    return undefined;
  }
}
