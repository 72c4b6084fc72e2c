import type { Principal } from '../core/principal.js';

// A symbol, not `request.user`: nothing else (another passport strategy, a body parser) can set or
// overwrite it, so a handler never mistakes someone else's object for a verified caller.
const PRINCIPAL = Symbol('nestjs-resource-server.principal');

/** Attaches the verified principal to a request. */
export function attachPrincipal(request: object, principal: Principal): void {
  Object.defineProperty(request, PRINCIPAL, { value: principal, enumerable: false, configurable: true });
}

/** The verified principal of a request, if the guard accepted it. */
export function principalOf(request: object): Principal | undefined {
  return (request as { [PRINCIPAL]?: Principal })[PRINCIPAL];
}
