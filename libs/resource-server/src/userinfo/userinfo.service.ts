import { Inject, Injectable, Logger } from '@nestjs/common';
import { AccessTokenVerifier } from '../core/access-token-verifier.js';
import type { ResolvedConfig } from '../core/config.js';
import { isAcceptableEndpoint } from '../core/discovery.js';
import type { Principal } from '../core/principal.js';
import { fetchUserInfo, type UserInfo } from '../core/userinfo-client.js';
import { UpstreamError } from '../errors/resource-server.error.js';
import { RESOLVED_CONFIG } from '../resource-server.tokens.js';

/**
 * The caller's OpenID Connect userinfo, fetched from the issuer's `userinfo_endpoint` with the
 * caller's own access token.
 * @example
 * ⁣@Get('profile') profile(@Principal() caller: VerifiedPrincipal) { return this.userInfo.get(caller); }
 */
@Injectable()
export class UserInfoService {
  private readonly logger = new Logger('ResourceServer');

  constructor(
    private readonly verifier: AccessTokenVerifier,
    @Inject(RESOLVED_CONFIG) private readonly config: ResolvedConfig,
  ) {}

  /** Fetches the userinfo of a verified caller. Failures are `ResourceServerError`s (401, 502, 503, 504). */
  async get(principal: Principal): Promise<UserInfo> {
    const issuer = this.verifier.issuer(principal.issuer);
    if (!issuer) throw new UpstreamError('userinfo_unavailable', 502, { cause: new Error(`unknown issuer ${principal.issuer}`) });
    const { userinfo_endpoint: endpoint } = await issuer.discovery.metadata();
    if (!isAcceptableEndpoint(endpoint, principal.issuer)) {
      throw new UpstreamError('userinfo_unavailable', 502, { cause: new Error(`${principal.issuer} publishes no usable userinfo_endpoint`) });
    }
    try {
      return await fetchUserInfo(endpoint, principal, {
        now: Date.now,
        logger: this.logger,
        httpTimeoutMs: this.config.httpTimeoutMs,
        maxResponseBytes: 256 * 1024,
      });
    } catch (error) {
      if (error instanceof UpstreamError) this.logger.warn(`userinfo from ${principal.issuer} failed: ${String(error.cause)}`);
      throw error;
    }
  }
}
