/** Environment-driven settings of the sample API process, resolved before Nest starts. */
export interface ProcessSettings {
  port: number;
  /** The TCP microservice's port (`RPC_PORT`). */
  rpcPort: number;
  devIssuerPort: number;
  /** The external issuer, or undefined to start the embedded development issuer. */
  issuer: string | undefined;
  audience: string | undefined;
  production: boolean;
  /** HTTP_PLATFORM: the Nest HTTP adapter, `express` (default) or `fastify`. */
  platform: HttpPlatform;
}

/** The HTTP platforms the sample API runs on. */
export type HttpPlatform = 'express' | 'fastify';

/** HTTP_PLATFORM: `express` (default) or `fastify`. */
export function httpPlatform(env: NodeJS.ProcessEnv): HttpPlatform {
  const value = env.HTTP_PLATFORM || 'express';
  if (value !== 'express' && value !== 'fastify')
    throw new Error(`HTTP_PLATFORM must be express or fastify (got "${value}")`);
  return value;
}

function port(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name} must be a TCP port number (got "${value}")`);
  return n;
}

export function readSettings(env: NodeJS.ProcessEnv): ProcessSettings {
  return {
    port: port('PORT', env.PORT, 3000),
    rpcPort: port('RPC_PORT', env.RPC_PORT, 3001),
    devIssuerPort: port('DEV_ISSUER_PORT', env.DEV_ISSUER_PORT, 4000),
    issuer: env.OIDC_ISSUER || undefined,
    audience: env.OIDC_AUDIENCE || undefined,
    production: env.NODE_ENV === 'production',
    platform: httpPlatform(env),
  };
}

/** Refuses the embedded development issuer in production; the message says what to set. */
export function assertDevIssuerAllowed(settings: ProcessSettings): void {
  if (settings.issuer === undefined && settings.production) {
    throw new Error(
      'OIDC_ISSUER is not set. The embedded development issuer is never started with NODE_ENV=production: ' +
        "set OIDC_ISSUER to your identity provider's issuer URL and OIDC_AUDIENCE to this API's audience.",
    );
  }
}
