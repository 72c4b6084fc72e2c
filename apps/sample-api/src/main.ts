import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';
import { startRpc } from './microservice.js';
import { docsRedirectUri, setupDocs } from './docs.js';
import { startDevIssuer, type DevIssuer } from './dev-issuer/dev-issuer.js';
import { assertDevIssuerAllowed, readSettings, type HttpPlatform } from './settings.js';

const logger = new Logger('SampleApi');

function printTryIt(devIssuer: DevIssuer, apiUrl: string): void {
  const curl = [
    `TOKEN=$(curl -s -u ${devIssuer.clientId}:${devIssuer.clientSecret} \\`,
    `  -d grant_type=client_credentials -d scope=read:messages \\`,
    `  ${devIssuer.tokenEndpoint} | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')`,
    `curl -i -H "Authorization: Bearer $TOKEN" ${apiUrl}/messages`,
  ].join('\n');
  logger.log(
    `Development issuer at ${devIssuer.issuer} (client demo-client / demo-secret, user demo / demo-password).`,
  );
  logger.log(`Try it:\n\n${curl}\n`);
}

/** The app on Express (default) or, with HTTP_PLATFORM=fastify, on Fastify. */
async function createApp(platform: HttpPlatform): Promise<INestApplication> {
  if (platform === 'express') return NestFactory.create(AppModule);
  const { FastifyAdapter } = await import('@nestjs/platform-fastify');
  return NestFactory.create(AppModule, new FastifyAdapter());
}

async function bootstrap(): Promise<void> {
  const settings = readSettings(process.env);
  let devIssuer: DevIssuer | undefined;
  if (!settings.issuer) {
    assertDevIssuerAllowed(settings);
    const audience = settings.audience ?? `http://localhost:${settings.port}`;
    // Swagger UI at /docs runs "Authorize" from the browser: the issuer lets the API's origins call
    // its token endpoint and accepts Swagger UI's redirect page.
    const origins = [`http://localhost:${settings.port}`, `http://127.0.0.1:${settings.port}`];
    devIssuer = await startDevIssuer({
      port: settings.devIssuerPort,
      host: '127.0.0.1',
      audience,
      corsOrigins: origins,
      redirectUris: origins.map(docsRedirectUri),
      backchannelLogoutUri: `http://127.0.0.1:${settings.port}/oidc/backchannel-logout`,
    });
    process.env.OIDC_ISSUER = devIssuer.issuer;
    process.env.OIDC_AUDIENCE = audience;
    // The development issuer hands out JWTs for the API and opaque tokens for its userinfo endpoint:
    // accept both, introspecting the opaque ones with the demo client's credentials.
    process.env.OIDC_TOKEN_TYPE ||= 'auto';
    process.env.OIDC_CLIENT_ID ||= devIssuer.clientId;
    process.env.OIDC_CLIENT_SECRET ||= devIssuer.clientSecret;
    // Logging the demo user out at the issuer revokes their tokens here (and, with REDIS_URL, everywhere).
    process.env.OIDC_BACKCHANNEL_CLIENT_ID ||= devIssuer.clientId;
  }
  const app = await createApp(settings.platform);
  app.enableShutdownHooks();
  // Swagger UI is pre-filled with the demo client; its login window returns to /docs/oauth2-redirect.html.
  const docsClient = devIssuer && {
    clientId: devIssuer.clientId,
    clientSecret: devIssuer.clientSecret,
    redirectUrl: docsRedirectUri(`http://localhost:${settings.port}`),
  };
  await setupDocs(app, docsClient);
  await startRpc(app, settings.rpcPort);
  await app.listen(settings.port);
  const apiUrl = `http://localhost:${settings.port}`;
  logger.log(`Swagger UI at ${apiUrl}/docs, OpenAPI document at ${apiUrl}/docs-json`);
  logger.log(
    `Sample API (${settings.platform}) listening on ${apiUrl}, Socket.IO namespace /messages, TCP microservice on port ${settings.rpcPort} (issuer ${process.env.OIDC_ISSUER}, audience ${process.env.OIDC_AUDIENCE})`,
  );
  if (devIssuer) printTryIt(devIssuer, apiUrl);
}

bootstrap().catch((error: unknown) => {
  logger.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
