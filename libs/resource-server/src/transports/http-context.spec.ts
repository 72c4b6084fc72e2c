import { describe, expect, it } from '@jest/globals';
import { httpContextOf } from './http-context.js';

describe('httpContextOf', () => {
  it('is an HTTP context over the bare request and its response', () => {
    const res = { header: () => undefined };
    const req = { headers: {}, res };
    const context = httpContextOf(req);
    expect(context.getType()).toBe('http');
    expect(context.getArgs()).toEqual([req, res, undefined]);
    expect(context.getArgByIndex(0)).toBe(req);
    const http = context.switchToHttp();
    expect(http.getRequest()).toBe(req);
    expect(http.getResponse()).toBe(res);
    expect(http.getNext()).toBeUndefined();
  });

  it('has no response when the request carries none (Fastify) and says what is not available', () => {
    const context = httpContextOf({ headers: {} });
    expect(context.switchToHttp().getResponse()).toBeUndefined();
    for (const call of [
      () => context.getClass(),
      () => context.getHandler(),
      () => context.switchToRpc(),
      () => context.switchToWs(),
    ]) {
      expect(call).toThrow(/is not available outside a Nest execution context/);
    }
  });
});
