// Answers for transports without HTTP responses when the library's filter sees an error raised in
// a handler (`verifier.verify()` in a message handler, say) and no adapter serves the context: the
// caller still gets a reply instead of waiting for one that never comes. With @nestjs/websockets and
// @nestjs/microservices installed, ws.transport.ts and rpc.transport.ts answer instead.
import type { ArgumentsHost } from '@nestjs/common';
import { throwError, type Observable } from 'rxjs';
import { errorPayload } from '../errors/payload.js';
import type { ResourceServerError } from '../errors/resource-server.error.js';

/** Answers a microservice call: the client's observable errors with the payload. */
export function respondRpc(error: ResourceServerError): Observable<never> {
  return throwError(() => errorPayload(error));
}

/** Answers a WebSocket event with Nest's `exception` event; the socket stays open. */
export function respondWs(error: ResourceServerError, host: ArgumentsHost): void {
  const client = host.switchToWs().getClient<{ emit?: (event: string, payload: unknown) => unknown }>();
  client.emit?.('exception', errorPayload(error));
}
