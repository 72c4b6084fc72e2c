import type { Principal } from '../core/claims/principal.js';
import type { UserInfo } from '../core/userinfo/userinfo-client.js';

// A private symbol, not `request.user`: nothing else (another passport strategy, a body parser) can
// set or overwrite it, so a handler never mistakes someone else's object for a verified caller.
const CALLER = Symbol('nestjs-resource-server.caller');

/** What the guard leaves on an accepted request. */
export interface Caller {
  readonly principal: Principal;
  /** Loads the caller's userinfo (cached, single flight). */
  readonly userInfo: { get(principal: Principal): Promise<UserInfo> };
}

/** Attaches the verified caller to a request. Symbol keys stay out of JSON and `Object.keys`. */
export function attachCaller(request: object, caller: Caller): void {
  (request as { [CALLER]?: Caller })[CALLER] = caller;
}

/** The verified caller of a request, if the guard accepted it. */
export function callerOf(request: object): Caller | undefined {
  return (request as { [CALLER]?: Caller })[CALLER];
}

/** The verified principal of a request, if the guard accepted it. */
export function principalOf(request: object): Principal | undefined {
  return callerOf(request)?.principal;
}
