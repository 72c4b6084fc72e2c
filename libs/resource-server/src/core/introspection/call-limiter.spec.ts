import { describe, expect, it } from '@jest/globals';
import { CallLimiter } from './call-limiter.js';

describe('CallLimiter', () => {
  const clocked = (maxConcurrent: number, perSecond: number) => {
    const clock = { now: 1_000_000 };
    return { clock, limiter: new CallLimiter(maxConcurrent, perSecond, () => clock.now) };
  };

  it('admits maxConcurrent calls at once and refuses the next with Retry-After 1 s until one is released', () => {
    const { limiter } = clocked(3, 100);
    expect([limiter.tryAcquire(), limiter.tryAcquire(), limiter.tryAcquire()]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    expect(limiter.active).toBe(3);
    expect(limiter.tryAcquire()).toEqual({ reason: 'concurrency', retryAfterSeconds: 1 });
    expect(limiter.active).toBe(3); // a refusal takes nothing
    limiter.release();
    expect(limiter.tryAcquire()).toBeUndefined();
  });

  it('admits perSecond calls in a burst, then one more per 1/perSecond s of the injected clock', () => {
    const { clock, limiter } = clocked(1000, 5);
    for (let i = 0; i < 5; i++) {
      expect(limiter.tryAcquire()).toBeUndefined();
      limiter.release();
    }
    expect(limiter.tryAcquire()).toEqual({ reason: 'rate', retryAfterSeconds: 1 });
    clock.now += 199;
    expect(limiter.tryAcquire()?.reason).toBe('rate');
    clock.now += 1; // 200 ms = one token at 5/s
    expect(limiter.tryAcquire()).toBeUndefined();
    expect(limiter.tryAcquire()?.reason).toBe('rate');
    clock.now += 60_000; // refills to one second's worth, not more
    let admitted = 0;
    while (limiter.tryAcquire() === undefined) {
      admitted += 1;
      limiter.release();
    }
    expect(admitted).toBe(5);
  });

  it('a rate below 1/s says how long to wait, in whole seconds', () => {
    const { clock, limiter } = clocked(10, 0.25);
    expect(limiter.tryAcquire()).toBeUndefined();
    expect(limiter.tryAcquire()).toEqual({ reason: 'rate', retryAfterSeconds: 4 });
    clock.now += 2000;
    expect(limiter.tryAcquire()).toEqual({ reason: 'rate', retryAfterSeconds: 2 });
    clock.now += 2000;
    expect(limiter.tryAcquire()).toBeUndefined();
  });

  it('a clock that steps back refills nothing', () => {
    const { clock, limiter } = clocked(10, 1);
    expect(limiter.tryAcquire()).toBeUndefined();
    clock.now -= 10_000;
    expect(limiter.tryAcquire()?.reason).toBe('rate');
  });

  it('release never drives the count below zero', () => {
    const { limiter } = clocked(1, 100);
    limiter.release();
    expect(limiter.active).toBe(0);
    expect(limiter.tryAcquire()).toBeUndefined();
    expect(limiter.tryAcquire()?.reason).toBe('concurrency');
  });
});
