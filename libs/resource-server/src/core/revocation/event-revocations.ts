// What revocation each accepted event token asks for.
//  - OpenID Connect Back-Channel Logout 1.0 §2.4: `events` holds the back-channel-logout event, `sub`
//    and/or `sid` name the user and the session, `nonce` is forbidden.
//  - RFC 8417 SETs with the CAEP `session-revoked` and RISC `account-disabled` / `credential-change`
//    events; the subject is the SSF `sub_id` claim or the event's `subject` member (RFC 9493 formats).
import { EventTokenError } from './event-token.js';
import type { RevocationRequest } from './revocations.js';

export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';
export const SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
export const ACCOUNT_DISABLED = 'https://schemas.openid.net/secevent/risc/event-type/account-disabled';
export const CREDENTIAL_CHANGE = 'https://schemas.openid.net/secevent/risc/event-type/credential-change';

type Claims = Readonly<Record<string, unknown>>;

const text = (v: unknown): string | undefined =>
  typeof v === 'string' && v !== '' && v.length <= 1024 ? v : undefined;

/**
 * A logout token's revocations: the session (`sid`) and every token the user was issued up to the
 * logout (`sub`, cut off at `iat`): JWT access tokens rarely carry `sid`, so the session alone would
 * revoke nothing.
 */
export function logoutRevocations(payload: Claims): RevocationRequest[] {
  const events = payload.events as Claims;
  const event = events[BACKCHANNEL_LOGOUT_EVENT];
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw new EventTokenError('invalid_request', 'the logout token lacks the back-channel logout event');
  }
  if (payload.nonce !== undefined)
    throw new EventTokenError('invalid_request', 'a logout token must not contain nonce');
  const sub = text(payload.sub);
  const sid = text(payload.sid);
  if (!sub && !sid) throw new EventTokenError('invalid_request', 'the logout token names neither sub nor sid');
  const requests: RevocationRequest[] = [];
  if (sid) requests.push({ sid });
  if (sub) requests.push({ sub, issuedBefore: payload.iat as number });
  return requests;
}

/** The user (`sub`) and session (`sid`) a subject identifier names (RFC 9493 formats). */
function subjectOf(subject: unknown): { sub?: string; sid?: string } {
  if (typeof subject !== 'object' || subject === null) return {};
  const s = subject as Claims;
  switch (s.format) {
    case 'iss_sub':
      return { sub: text(s.sub) };
    case 'opaque':
      return { sid: text(s.id) };
    case 'complex':
      return { sub: subjectOf(s.user).sub, sid: subjectOf(s.session).sid };
    default:
      return {};
  }
}

/** The revocations a Security Event Token asks for; events this library does not act on are ignored. */
export function securityEventRevocations(payload: Claims): RevocationRequest[] {
  const events = payload.events as Claims;
  const requests: RevocationRequest[] = [];
  for (const [type, body] of Object.entries(events)) {
    if (type !== SESSION_REVOKED && type !== ACCOUNT_DISABLED && type !== CREDENTIAL_CHANGE) continue;
    const event = (typeof body === 'object' && body !== null ? body : {}) as Claims;
    const { sub, sid } = subjectOf(payload.sub_id ?? event.subject);
    const at = typeof event.event_timestamp === 'number' ? event.event_timestamp : (payload.iat as number);
    if (type === SESSION_REVOKED && sid) requests.push({ sid });
    else if (sub) requests.push({ sub, issuedBefore: at });
    else
      throw new EventTokenError(
        'invalid_request',
        `the ${type.slice(type.lastIndexOf('/') + 1)} event names no subject this receiver understands`,
      );
  }
  return requests;
}
