// Swagger UI in a real browser against the sample API and its development issuer: "Try it out" on
// GET /messages is refused (401) until "Authorize" obtained a client-credentials token, then 200.
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { BrowserContext, Page } from 'playwright-core';
import { AppModule } from '../../apps/sample-api/src/app.module.js';
import { docsRedirectUri, setupDocs } from '../../apps/sample-api/src/docs.js';
import { startDevIssuer, type DevIssuer } from '../../apps/sample-api/src/dev-issuer/dev-issuer.js';
import { launchChromium } from './chromium.js';

/** A free loopback port: the issuer must know the API's origin before the API starts. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Opens GET /messages in Swagger UI, runs "Try it out" and returns the status it shows. */
async function tryListMessages(page: Page): Promise<string> {
  const operation = page.locator('.opblock-get', { hasText: '/messages' }).filter({ hasNotText: '/messages/' }).first();
  if (!(await operation.locator('.opblock-body').isVisible())) await operation.locator('.opblock-summary').click();
  const tryOut = operation.locator('button.try-out__btn');
  if ((await tryOut.textContent())?.includes('Try it out')) await tryOut.click();
  await operation.locator('button.execute').click();
  const status = operation.locator('.live-responses-table .response .response-col_status').first();
  await status.waitFor();
  return ((await status.textContent()) ?? '').trim();
}

describe('Swagger UI (Chromium)', () => {
  let issuer: DevIssuer;
  let app: INestApplication;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let browser: BrowserContext;
  let apiUrl: string;

  beforeAll(async () => {
    const port = await freePort();
    apiUrl = `http://127.0.0.1:${port}`;
    issuer = await startDevIssuer({
      port: 0,
      audience: apiUrl,
      corsOrigins: [apiUrl],
      redirectUris: [docsRedirectUri(apiUrl)],
    });
    process.env.OIDC_ISSUER = issuer.issuer;
    process.env.OIDC_AUDIENCE = apiUrl;
    for (const name of ['OIDC_TOKEN_TYPE', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET']) delete process.env[name];
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await setupDocs(app, {
      clientId: issuer.clientId,
      clientSecret: issuer.clientSecret,
      redirectUrl: docsRedirectUri(apiUrl),
    });
    await app.listen(port, '127.0.0.1');
    chromium = await launchChromium();
    browser = chromium.browser;
  }, 60_000);

  afterAll(async () => {
    await chromium?.close();
    await app?.close();
    await issuer?.close();
  });

  it('without authorizing, "Try it out" on GET /messages shows 401', async () => {
    const page = await browser.newPage();
    await page.goto(`${apiUrl}/docs`);
    expect(await tryListMessages(page)).toBe('401');
    await page.close();
  });

  it('after "Authorize" with client credentials (demo-client), GET /messages shows 200', async () => {
    const page = await browser.newPage();
    await page.goto(`${apiUrl}/docs`);
    await page.locator('.auth-wrapper button.authorize').click();
    const flow = page.locator('.auth-container', { hasText: 'clientCredentials' });
    await expect(flow.locator('input#client_id_clientCredentials').inputValue()).resolves.toBe('demo-client');
    const scope = flow.locator('input[type=checkbox][id*="read:messages"]');
    if (!(await scope.isChecked())) await flow.locator('label', { hasText: 'read:messages' }).click();
    await flow.locator('button.authorize').click();
    // The token request went from the browser to the issuer (CORS) and succeeded.
    await flow.locator('button', { hasText: 'Logout' }).waitFor();
    await expect(flow.locator('h6', { hasText: 'Authorized' }).isVisible()).resolves.toBe(true);
    await page.locator('.dialog-ux .close-modal').click();
    expect(await tryListMessages(page)).toBe('200');
    await page.close();
  });

  it('after "Authorize" with authorization code + PKCE as the demo user, GET /messages shows 200', async () => {
    const page = await browser.newPage();
    await page.goto(`${apiUrl}/docs`);
    await page.locator('.auth-wrapper button.authorize').click();
    const flow = page.locator('.auth-container', { hasText: 'authorizationCode' });
    const scope = flow.locator('input[type=checkbox][id*="read:messages"]');
    if (!(await scope.isChecked())) await flow.locator('label', { hasText: 'read:messages' }).click();
    // Swagger UI opens the issuer's login in a window of its own: log in, consent, and the redirect
    // page hands the code back; Swagger UI then redeems it with the PKCE verifier (CORS again).
    const [login] = await Promise.all([page.waitForEvent('popup'), flow.locator('button.authorize').click()]);
    await login.locator('input[name=username]').fill('demo');
    await login.locator('input[name=password]').fill('demo-password');
    await login.locator('form[action$="/login"] button').click();
    await login.locator('form[action$="/confirm"] button').click();
    await flow.locator('button', { hasText: 'Logout' }).waitFor();
    await page.locator('.dialog-ux .close-modal').click();
    expect(await tryListMessages(page)).toBe('200');
    await page.close();
  });
});
