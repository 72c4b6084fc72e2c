import {
  BadRequestException,
  Body,
  Controller,
  Header,
  HttpCode,
  Post,
  Req,
  type OnModuleInit,
  type Type,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { Public } from '../decorators/public.decorator.js';
import { EventTokenError } from '../core/revocation/event-token.js';
import { RevocationEventsService } from './revocation-events.service.js';

const MAX_BODY = 16_384;
const SECEVENT_JWT = 'application/secevent+jwt';

/** The raw body of a request no parser took (Express leaves `application/secevent+jwt` alone). */
async function rawBody(request: { body?: unknown; readable?: boolean } & AsyncIterable<Buffer>): Promise<unknown> {
  if (typeof request.body === 'string') return request.body;
  if (Buffer.isBuffer(request.body)) return request.body.toString('utf8');
  if (!request.readable) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += chunk.length;
    if (size > MAX_BODY) throw new EventTokenError('invalid_request', 'the request body is too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The part of a Fastify instance that registers body parsers. */
interface FastifyParsers {
  hasContentTypeParser(type: string): boolean;
  addContentTypeParser(
    type: string,
    options: { parseAs: 'string'; bodyLimit: number },
    parser: (request: unknown, body: string, done: (error: Error | null, body?: string) => void) => void,
  ): void;
}

/** On Fastify, keeps `application/secevent+jwt` bodies as strings (Express leaves them unread: see rawBody). */
function acceptSecurityEventBodies(instance: unknown): void {
  const fastify = instance as Partial<FastifyParsers> | undefined;
  if (typeof fastify?.addContentTypeParser !== 'function' || typeof fastify.hasContentTypeParser !== 'function') return;
  if (fastify.hasContentTypeParser(SECEVENT_JWT)) return;
  fastify.addContentTypeParser(SECEVENT_JWT, { parseAs: 'string', bodyLimit: MAX_BODY }, (_request, body, done) =>
    done(null, body),
  );
}

/**
 * A controller for OpenID Connect Back-Channel Logout 1.0 at `path` (public: the logout token is the
 * credential). Answers 200, or 400 `{ error, error_description }` as §2.8 says; `Cache-Control: no-store`.
 * Needs `revocation.backChannelLogout` in the module options.
 * @example
 * ```ts
 * @Module({ controllers: [backChannelLogoutController('oidc/backchannel-logout')] })
 * class AuthModule {}
 * ```
 */
export function backChannelLogoutController(path = 'oidc/backchannel-logout'): Type {
  @Controller(path)
  class BackChannelLogoutController {
    constructor(private readonly events: RevocationEventsService) {}

    @Public()
    @Post()
    @HttpCode(200)
    @Header('Cache-Control', 'no-store')
    async receive(@Body() body: { logout_token?: unknown } | undefined): Promise<void> {
      try {
        await this.events.backChannelLogout(body?.logout_token);
      } catch (error) {
        if (error instanceof EventTokenError)
          throw new BadRequestException({ error: 'invalid_request', error_description: error.message });
        throw error;
      }
    }
  }
  return BackChannelLogoutController;
}

/**
 * A controller receiving RFC 8417 Security Event Tokens pushed per RFC 8935 at `path` (public: the SET is
 * the credential): 202 on success, 400 `{ err, description }` otherwise. Needs
 * `revocation.securityEvents` in the module options. On Fastify it registers a parser that keeps an
 * `application/secevent+jwt` body as a string (Fastify answers 415 to a content type it cannot parse).
 * @example
 * ```ts
 * @Module({ controllers: [securityEventsController('events')] })
 * class AuthModule {}
 * ```
 */
export function securityEventsController(path = 'security-events'): Type {
  @Controller(path)
  class SecurityEventsController implements OnModuleInit {
    constructor(
      private readonly events: RevocationEventsService,
      private readonly adapterHost: HttpAdapterHost,
    ) {}

    onModuleInit(): void {
      acceptSecurityEventBodies(this.adapterHost.httpAdapter?.getInstance?.());
    }

    @Public()
    @Post()
    @HttpCode(202)
    async receive(@Req() request: { body?: unknown; readable?: boolean } & AsyncIterable<Buffer>): Promise<void> {
      try {
        await this.events.securityEvent(await rawBody(request));
      } catch (error) {
        if (error instanceof EventTokenError)
          throw new BadRequestException({ err: error.code, description: error.message });
        throw error;
      }
    }
  }
  return SecurityEventsController;
}
