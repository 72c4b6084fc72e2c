import { describe, expect, it, jest } from '@jest/globals';
import { scheduleExpiry } from './expiry.js';

describe('scheduleExpiry', () => {
  it('fires once exp plus the tolerance has passed, and not before', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    try {
      const onExpire = jest.fn();
      scheduleExpiry(1_010, 5, onExpire); // deadline 1_015_000 ms
      jest.advanceTimersByTime(14_999);
      expect(onExpire).not.toHaveBeenCalled();
      jest.advanceTimersByTime(2);
      expect(onExpire).toHaveBeenCalledTimes(1);
    } finally {
      jest.useRealTimers();
    }
  });

  it('re-arms past the longest timer Node allows', () => {
    jest.useFakeTimers({ now: 0 });
    try {
      const onExpire = jest.fn();
      scheduleExpiry(30 * 24 * 3600, 0, onExpire);
      jest.advanceTimersByTime(2_147_483_647);
      expect(onExpire).not.toHaveBeenCalled();
      jest.advanceTimersByTime(30 * 24 * 3600 * 1000 - 2_147_483_647 + 1);
      expect(onExpire).toHaveBeenCalledTimes(1);
    } finally {
      jest.useRealTimers();
    }
  });

  it('can be cancelled, and never fires for a token without exp', () => {
    jest.useFakeTimers({ now: 0 });
    try {
      const onExpire = jest.fn();
      scheduleExpiry(10, 0, onExpire)();
      scheduleExpiry(undefined, 0, onExpire)();
      jest.advanceTimersByTime(60_000);
      expect(onExpire).not.toHaveBeenCalled();
    } finally {
      jest.useRealTimers();
    }
  });

  it('fires at once for a deadline already past', () => {
    const onExpire = jest.fn();
    scheduleExpiry(1, 0, onExpire, () => 5_000);
    expect(onExpire).toHaveBeenCalledTimes(1);
  });
});
