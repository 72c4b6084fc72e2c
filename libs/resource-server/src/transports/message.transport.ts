// Transports without HTTP responses. Until their credential extraction lands, a guarded handler on
// them is denied by the pipeline (no adapter); what they already do is answer a library error raised
// inside a handler (`verifier.verify()` in a message handler, say) instead of leaving the caller
// waiting for a reply that never comes.
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
