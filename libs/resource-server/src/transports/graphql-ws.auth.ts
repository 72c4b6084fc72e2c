// GraphQL subscriptions over graphql-ws (the `graphql-transport-ws` protocol): the access token comes
// once, in `connection_init`'s `connectionParams.authorization`. A connection without a valid one is
// never acknowledged: the server closes it with 4401 (Unauthorized) itself, since returning `false`
// from `onConnect` would close it with 4403, which the protocol keeps for "forbidden". Each
// subscription is then checked for its own requirements by the guard (`GraphqlTransport`), and the
// connection is closed with 4401 when its token expires.
import { Inject, Injectable, Logger } from '@nestjs/common';
import { extractToken } from '../core/credentials/token-extractor.js';
import type { ResolvedConfig } from '../core/config/config.js';
import type { VerifiedPrincipal } from '../core/claims/principal.js';
import { AccessTokenVerifier } from '../core/verifier/access-token-verifier.js';
import { ResourceServerError } from '../errors/resource-server.error.js';
import { RESOLVED_CONFIG } from '../resource-server.tokens.js';
import { connectionTokenSource, type GraphqlWsContext } from './graphql.transport.js';

/** graphql-ws close codes the library uses. */
const UNAUTHORIZED = 4401;
const TRY_AGAIN_LATER = 1013;
const INTERNAL_ERROR = 1011;
/** setTimeout's largest delay; a later expiry re-arms the timer. */
const MAX_TIMER_MS = 2_147_483_647;

/** The socket `graphql-ws/use/ws` puts in `extra` (a `ws` WebSocket). */
interface SocketLike {
  close(code: number, reason: string): void;
  once(event: 'close', listener: () => void): unknown;
}

/**
 * The graphql-ws server context `onConnect` receives (`extra` as `graphql-ws/use/ws` fills it: `{ socket, request }`).
 * @example
 * ```ts
 * const onConnect = (context: GraphqlWsConnectContext) => context.connectionParams?.authorization !== undefined;
 * ```
 */
export interface GraphqlWsConnectContext extends GraphqlWsContext {
  readonly extra: unknown;
}

/**
 * The graphql-ws server options the library contributes; spread them into `subscriptions['graphql-ws']`.
 * @example
 * ```ts
 * const wsOptions = (auth: GraphqlWsAuth): GraphqlWsAuthOptions & { connectionInitWaitTimeout: number } => ({
 *   ...auth.options(),
 *   connectionInitWaitTimeout: 5_000,
 * });
 * ```
 */
export interface GraphqlWsAuthOptions {
  /** Verifies `connectionParams.authorization`; closes the socket with 4401 when it is missing or bad. */
  onConnect(context: GraphqlWsConnectContext): Promise<boolean>;
}

function socketOf(context: GraphqlWsConnectContext): SocketLike | undefined {
  const socket = (context.extra as { socket?: Partial<SocketLike> } | undefined)?.socket;
  return typeof socket?.close === 'function' && typeof socket.once === 'function' ? (socket as SocketLike) : undefined;
}

/**
 * Authenticates GraphQL subscriptions over graphql-ws (Apollo driver): provided and exported by
 * `ResourceServerModule`; inject it into `GraphQLModule.forRootAsync`.
 * @example
 * ```ts
 * import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
 * import { GraphQLModule } from '@nestjs/graphql';
 *
 * GraphQLModule.forRootAsync<ApolloDriverConfig>({
 *   driver: ApolloDriver,
 *   inject: [GraphqlWsAuth],
 *   useFactory: (auth: GraphqlWsAuth) => ({
 *     autoSchemaFile: true,
 *     subscriptions: { 'graphql-ws': auth.options() },
 *   }),
 * });
 * ```
 */
@Injectable()
export class GraphqlWsAuth {
  private readonly logger = new Logger('ResourceServer');

  constructor(
    private readonly verifier: AccessTokenVerifier,
    @Inject(RESOLVED_CONFIG) private readonly config: ResolvedConfig,
  ) {}

  /** The `onConnect` hook for `subscriptions: { 'graphql-ws': ... }`. */
  options(): GraphqlWsAuthOptions {
    return { onConnect: (context) => this.onConnect(context) };
  }

  private async onConnect(context: GraphqlWsConnectContext): Promise<boolean> {
    const socket = socketOf(context);
    try {
      const principal = await this.verifier.verify(extractToken(connectionTokenSource(context), new Set()));
      if (socket) this.closeAtExpiry(socket, principal);
      return true;
    } catch (error) {
      // Closed here with the code that says why; `false` then keeps graphql-ws from acknowledging
      // (its own 4403 close is ignored on a socket that is already closing).
      const [code, reason] = this.closeCodeOf(error);
      socket?.close(code, reason);
      return false;
    }
  }

  private closeCodeOf(error: unknown): [number, string] {
    if (!(error instanceof ResourceServerError)) {
      this.logger.error(
        `Unexpected error while checking a graphql-ws access token: ${error instanceof Error ? error.message : String(error)}`,
      );
      return [INTERNAL_ERROR, 'Internal error'];
    }
    return error.status >= 500 ? [TRY_AGAIN_LATER, 'Try again later'] : [UNAUTHORIZED, 'Unauthorized'];
  }

  /** Ends the connection (and so its subscriptions) when the token expires, plus the issuer's clock tolerance. */
  private closeAtExpiry(socket: SocketLike, principal: VerifiedPrincipal): void {
    if (principal.expiresAt === undefined) return;
    const tolerance = this.config.issuers.find((i) => i.issuer === principal.issuer)?.clockTolerance ?? 0;
    const deadline = (principal.expiresAt + tolerance) * 1000;
    let timer: NodeJS.Timeout;
    const arm = (): void => {
      const delay = deadline - Date.now();
      timer = setTimeout(
        () => (delay > MAX_TIMER_MS ? arm() : socket.close(UNAUTHORIZED, 'Token expired')),
        Math.max(0, Math.min(delay, MAX_TIMER_MS)),
      );
      timer.unref();
    };
    arm();
    socket.once('close', () => clearTimeout(timer));
  }
}
