import { describe, expect, it } from '@jest/globals';
import { NO_TELEMETRY, traced } from '../core/telemetry/telemetry.js';
import { loadTelemetry } from './opentelemetry.js';

describe('loadTelemetry', () => {
  it('records nothing when turned off', async () => {
    expect(await loadTelemetry(false)).toBe(NO_TELEMETRY);
  });

  it('uses @opentelemetry/api when it is installed', async () => {
    const telemetry = await loadTelemetry(true);
    expect(telemetry.enabled).toBe(true);
    // Without a registered SDK every instrument is a no-op, and calls still go through.
    await expect(telemetry.outbound('jwks', 'https://id.example.com', async () => 42)).resolves.toBe(42);
    await expect(
      telemetry.outbound('jwks', 'https://id.example.com', async () => Promise.reject(new Error('down'))),
    ).rejects.toThrow('down');
    telemetry.cacheLookup('userinfo', true);
    telemetry.verification({
      outcome: 'accepted',
      errorCode: undefined,
      issuer: undefined,
      tokenFormat: 'jwt',
      cached: true,
      durationMs: undefined,
    });
  });
});

describe('NO_TELEMETRY and traced', () => {
  it('pass calls through untouched', async () => {
    await expect(NO_TELEMETRY.outbound('discovery', 'i', async () => 'ok')).resolves.toBe('ok');
    await expect(traced({}, 'discovery', 'i', async () => 'plain')).resolves.toBe('plain');
    await expect(traced({ telemetry: NO_TELEMETRY }, 'discovery', 'i', async () => 'through')).resolves.toBe('through');
    expect(() => NO_TELEMETRY.cacheLookup('userinfo', false)).not.toThrow();
    expect(() => NO_TELEMETRY.verification({} as never)).not.toThrow();
    expect(() => NO_TELEMETRY.acceptedFromCache('i')).not.toThrow();
  });
});
