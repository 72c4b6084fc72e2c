import { describe, expect, it } from '@jest/globals';
import { assertDevIssuerAllowed, readSettings } from './settings.js';

describe('sample API settings', () => {
  it('defaults PORT to 3000, RPC_PORT to 3001 and DEV_ISSUER_PORT to 4000, with no issuer, on Express', () => {
    expect(readSettings({})).toEqual({
      port: 3000,
      rpcPort: 3001,
      devIssuerPort: 4000,
      issuer: undefined,
      audience: undefined,
      production: false,
      platform: 'express',
    });
  });

  it('reads OIDC_ISSUER, OIDC_AUDIENCE, PORT and DEV_ISSUER_PORT', () => {
    const env = { OIDC_ISSUER: 'https://id.example.com/', OIDC_AUDIENCE: 'api', PORT: '8080', DEV_ISSUER_PORT: '4100' };
    expect(readSettings(env)).toMatchObject({
      port: 8080,
      devIssuerPort: 4100,
      issuer: 'https://id.example.com/',
      audience: 'api',
    });
  });

  it('reads RPC_PORT and refuses one that is not a port', () => {
    expect(readSettings({ RPC_PORT: '4001' }).rpcPort).toBe(4001);
    expect(() => readSettings({ RPC_PORT: '70000' })).toThrow(/RPC_PORT must be a TCP port/);
  });

  it('refuses a port that is not a port', () => {
    expect(() => readSettings({ PORT: 'eighty' })).toThrow(/PORT must be a TCP port/);
  });

  it('refuses the development issuer in production and says what to set', () => {
    expect(() => assertDevIssuerAllowed(readSettings({ NODE_ENV: 'production' }))).toThrow(
      /OIDC_ISSUER.*NODE_ENV=production/s,
    );
  });

  it('allows production with an external issuer, and development without one', () => {
    expect(() =>
      assertDevIssuerAllowed(readSettings({ NODE_ENV: 'production', OIDC_ISSUER: 'https://id.example.com/' })),
    ).not.toThrow();
    expect(() => assertDevIssuerAllowed(readSettings({}))).not.toThrow();
  });
});

describe('HTTP_PLATFORM', () => {
  it('is express by default, fastify when asked, and refuses anything else', () => {
    expect(readSettings({ HTTP_PLATFORM: '' }).platform).toBe('express');
    expect(readSettings({ HTTP_PLATFORM: 'fastify' }).platform).toBe('fastify');
    expect(() => readSettings({ HTTP_PLATFORM: 'koa' })).toThrow(
      'HTTP_PLATFORM must be express or fastify (got "koa")',
    );
  });
});
