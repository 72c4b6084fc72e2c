/** Small helpers of the real-Redis suites. */
import { Redis } from 'ioredis';
import { closeLater } from '../helpers/start-app.js';

/** How soon every instance must refuse a token revoked on another (issue 15: 1 s). */
export const PROPAGATION_MS = 1000;

/**
 * Calls `probe` every 20 ms until it returns `wanted` or `withinMs` passed; returns its last answer,
 * for the caller to assert on (so a failure shows what was seen instead of a timeout).
 */
export async function poll<T>(probe: () => Promise<T> | T, wanted: T, withinMs: number): Promise<T> {
  const deadline = Date.now() + withinMs;
  let seen = await probe();
  while (seen !== wanted && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    seen = await probe();
  }
  return seen;
}

/** A client of our own, to look into Redis (closed by `closeAll`). */
export function inspector(url: string): Redis {
  const client = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: false });
  client.on('error', () => undefined);
  closeLater({ close: () => client.quit().catch(() => undefined) });
  return client;
}
