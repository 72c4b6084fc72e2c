// Closing a connection when its token expires. Timers are unref'd (they never keep a process alive)
// and re-armed in steps, because Node's timers cannot wait longer than about 24.8 days.
const MAX_DELAY_MS = 2_147_483_647;

/**
 * Calls `onExpire` once `expiresAt + toleranceSeconds` has passed, on the `now` clock. Returns the
 * cancel function. A token without `exp` (possible for an introspected token only) never expires here.
 */
export function scheduleExpiry(
  expiresAt: number | undefined,
  toleranceSeconds: number,
  onExpire: () => void,
  now: () => number = Date.now,
): () => void {
  if (expiresAt === undefined) return () => {};
  const deadline = (expiresAt + toleranceSeconds) * 1000;
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    const delay = deadline - now();
    if (delay < 0) {
      timer = undefined;
      onExpire();
      return;
    }
    timer = setTimeout(arm, Math.min(delay + 1, MAX_DELAY_MS));
    timer.unref();
  };
  arm();
  return () => clearTimeout(timer);
}
