/**
 * Plumbing of the userinfo e2e suite: a controller whose routes read the caller's userinfo in the
 * three public ways (`@UserInfo()`, `@UserInfo('claim')`, `UserInfoService.get`), and a fake
 * userinfo endpoint on the local issuer that records every call it gets and answers as told.
 */
import { Controller, Get, Inject } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  Principal,
  UserInfo,
  UserInfoService,
  type UserInfoClaims,
  type VerifiedPrincipal,
} from 'nestjs-resource-server';
import type { LocalIssuer } from './issuer-server.js';

/**
 * Routes (all guarded): GET /profile → `{ info: @UserInfo() }`, GET /email → `{ email: @UserInfo('email') }`,
 * GET /service → `{ info: UserInfoService.get(principal) }`. Handlers wrap what they got in an object:
 * were a decorator to hand over a Promise instead of the resolved value, `{ info: Promise }` serializes
 * as `{ info: {} }` and the assertions fail.
 * @example await startApp({ issuer, audience, userInfo: { cacheTtlMs: 300 } }, { controllers: [UserInfoProbeController] });
 */
@Controller()
export class UserInfoProbeController {
  constructor(@Inject(UserInfoService) private readonly userInfo: UserInfoService) {}

  @Get('profile')
  profile(@UserInfo() info: UserInfoClaims) {
    return { info };
  }

  @Get('email')
  email(@UserInfo('email') email: unknown) {
    return { email };
  }

  @Get('service')
  async service(@Principal() caller: VerifiedPrincipal) {
    return { info: await this.userInfo.get(caller) };
  }
}

/** One request the fake userinfo endpoint received. */
export interface UserInfoCall {
  method: string;
  path: string;
  authorization: string | undefined;
}

/** How the fake endpoint answers: status, content-type and raw body text, after an optional delay. */
export interface UserInfoAnswer {
  status?: number;
  contentType?: string;
  body: string;
  delayMs?: number;
}

/** A fake userinfo endpoint: its call log and a switch for what it answers next. */
export interface FakeUserInfo {
  readonly calls: UserInfoCall[];
  /** Sets the answer to every following call; a function is called per request (0-based call index). */
  answer(answer: UserInfoAnswer | ((index: number) => UserInfoAnswer)): void;
  /** Drops answers still waiting out their delay (call before closing the issuer). */
  cancelPending(): void;
}

/** A JSON answer (status 200, application/json unless told otherwise). */
export function json(body: unknown, extra: Omit<UserInfoAnswer, 'body'> = {}): UserInfoAnswer {
  return { status: 200, contentType: 'application/json', ...extra, body: JSON.stringify(body) };
}

/**
 * Serves a userinfo endpoint at `path` (relative to the issuer, default '/userinfo') for GET and
 * POST (both allowed by OIDC Core §5.3.1), counting calls itself instead of trusting the issuer's
 * counters. Until told otherwise it answers 500.
 */
export function serveUserInfo(issuer: LocalIssuer, path = '/userinfo'): FakeUserInfo {
  const calls: UserInfoCall[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let next: UserInfoAnswer | ((index: number) => UserInfoAnswer) = {
    status: 500,
    contentType: 'application/json',
    body: '{}',
  };

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const index = calls.length;
    calls.push({ method: req.method ?? '', path: req.url ?? '', authorization: req.headers.authorization });
    const {
      status = 200,
      contentType = 'application/json',
      body,
      delayMs = 0,
    } = typeof next === 'function' ? next(index) : next;
    const send = (): void => {
      if (res.destroyed || res.writableEnded) return;
      res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) }).end(body);
    };
    if (delayMs <= 0) return send();
    const timer = setTimeout(() => {
      timers.delete(timer);
      send();
    }, delayMs);
    timers.add(timer);
    res.on('close', () => {
      clearTimeout(timer);
      timers.delete(timer);
    });
  };
  issuer.route('GET', path, handler);
  issuer.route('POST', path, handler);

  return {
    calls,
    answer(answer) {
      next = answer;
    },
    cancelPending() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
