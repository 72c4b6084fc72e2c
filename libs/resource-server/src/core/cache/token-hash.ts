import { createHash } from 'node:crypto';

/**
 * The one key every cache derives from a token: SHA-256, base64url. Caches never hold the token
 * itself as a key, so a dump of a shared store (Redis) reveals no usable token.
 * @example
 * store.get(`nestjs-resource-server:userinfo:${hashToken(token)}`);
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
