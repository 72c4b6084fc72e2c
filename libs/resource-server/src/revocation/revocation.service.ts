import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { VerifiedPrincipal } from '../core/claims/principal.js';
import type { RevocationEntry, RevocationKind } from '../core/revocation/revocation-list.js';
import { Revocations, type RevocationRequest } from '../core/revocation/revocations.js';
import { closeRedis } from '../core/shared/redis-like.js';
import { REDIS_CLIENT } from '../resource-server.tokens.js';
import type { OwnedRedis } from './redis-client.provider.js';

/**
 * Revokes access tokens before their `exp`: one token (`jti`), one session (`sid`), or every token a
 * subject was issued up to now (`sub`). Every instance refuses them at once, tokens in the
 * verified-token cache included; with `redis` configured, every other instance within milliseconds.
 * @example
 * ```ts
 * @Controller('admin')
 * class AdminController {
 *   constructor(private readonly revocations: RevocationService) {}
 *   @Scopes('admin:users') @Post('logout-everywhere') async logout(@Body() body: { sub: string }) {
 *     await this.revocations.revoke({ sub: body.sub });
 *   }
 * }
 * ```
 */
@Injectable()
export class RevocationService implements OnModuleInit, OnApplicationShutdown {
  constructor(
    private readonly revocations: Revocations,
    @Inject(REDIS_CLIENT) private readonly redis: OwnedRedis,
  ) {}

  /** Loads the shared list and follows it (never fails startup: an unreachable Redis is retried). */
  async onModuleInit(): Promise<void> {
    await this.revocations.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.revocations.stop();
    if (this.redis.owned && this.redis.client) await closeRedis(this.redis.client);
  }

  /**
   * Revokes what the request names. Throws a `ResourceServerError` (400) for a request that names
   * not exactly one of `jti`, `sid` and `sub`, or when the list is full.
   */
  revoke(request: RevocationRequest): Promise<RevocationEntry> {
    return this.revocations.revoke(request);
  }

  /** The kind of revocation that covers the caller's token, if any. */
  revokedBy(principal: VerifiedPrincipal): RevocationKind | undefined {
    return this.revocations.revokedBy(principal.claims);
  }

  /**
   * False while the shared store (Redis) is unreachable or the subscription to it is down: this
   * instance then enforces the last list it saw plus its own revocations. Always true without `redis`.
   * Meant for health checks: `{ revocations: inSync ? 'up' : 'degraded' }`.
   */
  get inSync(): boolean {
    return this.revocations.inSync;
  }

  /** Revocations this instance holds now (bounded by `revocation.maxEntries`). */
  get size(): number {
    return this.revocations.size;
  }
}
