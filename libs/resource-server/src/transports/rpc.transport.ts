// Microservices (`@nestjs/microservices`): the token comes with each message (see rpc-credential.ts);
// a refusal is an `RpcException` whose error is `{ status: 'error', error, message, scope? }`, which
// Nest's RPC filter sends to the caller as the error reply. The guard throws it itself, so the caller
// gets its reply even in a hybrid app whose global filters do not reach the microservice. Over gRPC
// the error also carries the gRPC status code and the RFC 6750 challenge as `www-authenticate` trailer.
import type { ArgumentsHost, ExecutionContext } from '@nestjs/common';
import { throwError, type Observable } from 'rxjs';
import { oneToken, tokenOfValue } from '../core/credentials/message-token.js';
import { buildChallenge } from '../errors/challenge.js';
import { errorPayload, type ErrorPayload } from '../errors/payload.js';
import type { ResourceServerError } from '../errors/resource-server.error.js';
import type { ExceptionClass, MetadataClass } from './optional-peers.js';
import { messageCredentials } from './rpc-credential.js';
import type { Credential, TransportAdapter } from './transport-adapter.js';

/** How a microservice message is read for its token: the raw token, or undefined when it has none. */
export type RpcTokenReader = (data: unknown, context: unknown) => string | undefined;

// gRPC status codes (grpc/doc/statuscodes.md) for our statuses.
const GRPC_CODES: Record<number, number> = { 400: 3, 401: 16, 403: 7, 502: 14, 503: 14, 504: 4 };

function isGrpcMetadata(context: unknown): boolean {
  const c = context as { get?: unknown; getMap?: unknown } | null;
  return typeof c === 'object' && c !== null && typeof c.get === 'function' && typeof c.getMap === 'function';
}

/** The RPC adapter of the pipeline. */
export class RpcTransport implements TransportAdapter {
  readonly type = 'rpc';

  constructor(
    private readonly realm: string,
    private readonly field: string,
    private readonly reader: RpcTokenReader | undefined,
    private readonly RpcException: ExceptionClass,
    private readonly Metadata: MetadataClass | undefined,
  ) {}

  credential(context: ExecutionContext): Credential {
    // By index, [data, context]: `switchToRpc()` allocates on every call (see carrierOf).
    const data: unknown = context.getArgByIndex(0);
    const ctx: unknown = context.getArgByIndex(1);
    if (this.reader) return { token: oneToken([tokenOfValue(this.reader(data, ctx), true)]), scheme: 'bearer' };
    return {
      token: oneToken(messageCredentials(data, ctx, this.field).map((v) => tokenOfValue(v, false))),
      scheme: 'bearer',
    };
  }

  reject(error: ResourceServerError, context: ExecutionContext): Error {
    return new this.RpcException(this.payload(error, context.switchToRpc().getContext()));
  }

  respond(error: ResourceServerError, host: ArgumentsHost): Observable<never> {
    const payload = this.payload(error, host.switchToRpc().getContext());
    return throwError(() => payload);
  }

  /** The payload; over gRPC with `code`, `details` and trailers, which grpc-js turns into the call's status. */
  private payload(error: ResourceServerError, context: unknown): ErrorPayload {
    const payload = errorPayload(error);
    if (!isGrpcMetadata(context)) return payload;
    const grpc: ErrorPayload & { code: number; details: string; metadata?: object } = {
      ...payload,
      code: GRPC_CODES[error.status] ?? 2,
      details: payload.message,
    };
    if (this.Metadata) {
      const metadata = new this.Metadata();
      metadata.set('www-authenticate', buildChallenge(this.realm, error));
      grpc.metadata = metadata;
    }
    return grpc;
  }
}
