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
