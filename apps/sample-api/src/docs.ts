import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { applyResourceServerSecurity } from 'nestjs-resource-server';

/** The client Swagger UI's "Authorize" dialog is pre-filled with (the development issuer's demo client). */
export interface DocsClient {
  clientId: string;
  clientSecret?: string;
  /**
   * Swagger UI's OAuth 2.0 redirect page, as registered at the issuer (see {@link docsRedirectUri}).
   * Swagger UI's own guess for a page at /docs is /oauth2-redirect.html, which is not served.
   */
  redirectUrl?: string;
}

/** The path of Swagger UI; the document is at `${DOCS_PATH}-json`. */
export const DOCS_PATH = 'docs';

/**
 * Serves Swagger UI at /docs and the OpenAPI document at /docs-json (both public: they are not
 * controller routes, so the guard never sees them). Security schemes, scopes and 401/403 answers
 * come from the decorators through the library.
 */
export async function setupDocs(app: INestApplication, client?: DocsClient): Promise<OpenAPIObject> {
  const config = new DocumentBuilder()
    .setTitle('Sample API')
    .setDescription('Messages behind OAuth 2.0 access tokens (nestjs-resource-server)')
    .setVersion('1.0')
    .build();
  const document = await applyResourceServerSecurity(app, () => SwaggerModule.createDocument(app, config), {
    scopeDescriptions: {
      'read:messages': 'Read messages',
      'write:messages': 'Post messages',
      'admin:messages': 'Administer messages',
    },
  });
  SwaggerModule.setup(DOCS_PATH, app, document, {
    swaggerOptions: {
      persistAuthorization: false,
      ...(client?.redirectUrl ? { oauth2RedirectUrl: client.redirectUrl } : {}),
      ...(client
        ? {
            initOAuth: {
              clientId: client.clientId,
              clientSecret: client.clientSecret,
              usePkceWithAuthorizationCodeGrant: true,
              scopes: ['read:messages'],
            },
          }
        : {}),
    },
  });
  return document;
}

/** Swagger UI's OAuth 2.0 redirect page for an API served at `apiUrl`. */
export function docsRedirectUri(apiUrl: string): string {
  return `${apiUrl}/${DOCS_PATH}/oauth2-redirect.html`;
}
