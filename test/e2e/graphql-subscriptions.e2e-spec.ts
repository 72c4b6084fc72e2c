// Issue 11, GraphQL subscriptions over graphql-ws (Apollo driver on Express; Express only, so the
// Fastify project skips this file): a real graphql-ws client, the token in connectionParams, checked at
// connection_init (4401 close, never acknowledged) and per subscription (FORBIDDEN), and the
// connection ended when the token expires.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { Query, Resolver, Subscription } from '@nestjs/graphql';
import { Test } from '@nestjs/testing';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { Public, Scopes } from 'nestjs-resource-server';
import { graphqlModule } from '../helpers/graphql.js';
import { startLocalIssuer, type LocalIssuer } from '../helpers/issuer-server.js';
import { generateTestKey } from '../helpers/keys.js';
import { closeAll, closeLater, startApp } from '../helpers/start-app.js';
import { mintAccessToken, nowSeconds, tamperPayload } from '../helpers/tokens.js';
import { AppModule } from '../../apps/sample-api/src/app.module.js';
import { AUDIENCE, minter } from './support.js';

/** An endless stream of numbers, one every 50 ms, until the subscriber leaves. */
async function* tickStream(): AsyncGenerator<{ tick: number }> {
  for (let i = 0; ; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    yield { tick: i };
  }
}

@Resolver()
class TicksResolver {
  /** A schema needs a query. */
  @Public()
  @Query(() => String)
  ping(): string {
    return 'pong';
  }

  @Scopes('read:messages')
  @Subscription(() => Number)
  tick(): AsyncGenerator<{ tick: number }> {
    return tickStream();
  }
}

/** What one subscription saw until it ended. */
interface Outcome<T> {
  values: T[];
  acknowledged: boolean;
  closeCode?: number;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
  completed: boolean;
}

const clients: Client[] = [];

/**
 * Subscribes with a real graphql-ws client and these connectionParams; resolves with what it saw once
 * `take` values arrived (then unsubscribes) or the server ended it (error, close, complete).
 */
function subscribe<T>(
  url: string,
  query: string,
  connectionParams: Record<string, unknown>,
  take = Infinity,
): Promise<Outcome<T>> & { live: Outcome<T> } {
  const outcome: Outcome<T> = { values: [], acknowledged: false, completed: false };
  const client = createClient({
    url,
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    on: {
      connected: () => (outcome.acknowledged = true),
      closed: (event) => (outcome.closeCode ??= (event as { code: number }).code),
    },
  });
  clients.push(client);
  const done = new Promise<Outcome<T>>((resolve) => {
    const unsubscribe = client.subscribe<T>(
      { query },
      {
        next: (result) => {
          if (result.errors) outcome.errors = result.errors as Outcome<T>['errors'];
          if (result.data) outcome.values.push(result.data as T);
          if (outcome.values.length >= take) {
            unsubscribe();
            resolve(outcome);
          }
        },
        error: (error) => {
          if (Array.isArray(error)) outcome.errors = error;
          else if (typeof (error as { code?: unknown }).code === 'number')
            outcome.closeCode = (error as { code: number }).code;
          resolve(outcome);
        },
        complete: () => {
          outcome.completed = true;
          resolve(outcome);
        },
      },
    );
  });
  return Object.assign(done, { live: outcome });
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await closeAll();
});

describe('GraphQL subscriptions over graphql-ws', () => {
  const key = generateTestKey('ES256');
  let issuer: LocalIssuer;
  let mint: ReturnType<typeof minter>;
  let url: string;
  const ticks = (params: Record<string, unknown>, take?: number) =>
    subscribe<{ tick: number }>(url, 'subscription { tick }', params, take).then((o) => ({
      ...o,
      values: o.values.map((v) => v.tick),
    }));

  beforeAll(async () => {
    issuer = closeLater(await startLocalIssuer({ keys: [key] }));
    mint = minter(key, issuer.issuer);
    const rs = await startApp(
      { issuer: issuer.issuer, audience: AUDIENCE, clockTolerance: 1 },
      { controllers: [], imports: [graphqlModule()], providers: [TicksResolver] },
    );
    url = `${(await rs.app.getUrl()).replace('[::1]', '127.0.0.1').replace(/^http/, 'ws')}/graphql`;
  });

  it('a valid token with the scope: acknowledged, values flow', async () => {
    const outcome = await ticks(bearer(mint({ scope: 'read:messages' })), 2);
    expect(outcome).toMatchObject({ acknowledged: true, values: [0, 1] });
    expect(outcome.errors).toBeUndefined();
  });

  it.each<[string, () => Record<string, unknown>]>([
    ['no connectionParams token', () => ({})],
    [
      'an expired token',
      () => bearer(mint({ scope: 'read:messages', exp: nowSeconds() - 60, iat: nowSeconds() - 120 })),
    ],
    ['a forged token', () => bearer(tamperPayload(mint({ scope: 'read' }), { scope: 'read:messages' }))],
    ['a token for another audience', () => bearer(mint({ scope: 'read:messages', aud: 'https://other.example' }))],
    ['an authorization that is not a string', () => ({ authorization: 42 })],
    ['another scheme', () => ({ authorization: `Basic ${Buffer.from('a:b').toString('base64')}` })],
  ])('%s: closed with 4401 and never acknowledged', async (_name, params) => {
    const outcome = await ticks(params());
    expect(outcome).toMatchObject({ acknowledged: false, closeCode: 4401, values: [] });
  });

  it('a valid token without the scope: connected, the subscription refused with FORBIDDEN naming the scope', async () => {
    const outcome = await ticks(bearer(mint({ scope: 'other' })));
    expect(outcome.acknowledged).toBe(true);
    expect(outcome.values).toEqual([]);
    expect(outcome.errors?.map((e) => e.extensions)).toEqual([
      { code: 'FORBIDDEN', error: 'insufficient_scope', scope: 'read:messages' },
    ]);
    expect(JSON.stringify(outcome.errors)).not.toMatch(/\bat .*:\d+:\d+|INTERNAL_SERVER_ERROR/);
  });

  it('the subscription ends when its token expires: the server closes the connection with 4401', async () => {
    const outcome = await ticks(bearer(mint({ scope: 'read:messages', exp: nowSeconds() + 2 })));
    expect(outcome.acknowledged).toBe(true);
    expect(outcome.values.length).toBeGreaterThan(0);
    expect(outcome.closeCode).toBe(4401);
  });
});

describe('the sample API: Subscription.messagePosted over graphql-ws at /graphql (Express)', () => {
  const key = generateTestKey('ES256');
  const SAMPLE_AUDIENCE = 'http://localhost:3000';
  let issuer: LocalIssuer;
  let app: INestApplication;
  let base: string;
  const token = (claims: Record<string, unknown> = {}) =>
    mintAccessToken(key, { iss: issuer.issuer, aud: SAMPLE_AUDIENCE, sub: 'alice', scope: 'read:messages', ...claims });
  const messagePosted = (params: Record<string, unknown>, take?: number) =>
    subscribe<{ messagePosted: { id: number; text: string; author: string } }>(
      base.replace(/^http/, 'ws') + '/graphql',
      'subscription { messagePosted { id text author } }',
      params,
      take,
    );

  beforeAll(async () => {
    issuer = closeLater(await startLocalIssuer({ keys: [key] }));
    process.env.OIDC_ISSUER = issuer.issuer;
    process.env.OIDC_AUDIENCE = SAMPLE_AUDIENCE;
    for (const name of ['OIDC_TOKEN_TYPE', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET', 'OIDC_PROVIDER', 'HTTP_PLATFORM'])
      delete process.env[name];
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = closeLater(moduleRef.createNestApplication({ logger: false }));
    await app.listen(0, '127.0.0.1');
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });

  it('a reader receives the messages posted after it subscribed (REST and GraphQL mutation alike)', async () => {
    const writer = token({ scope: 'write:messages' });
    const post = (text: string) =>
      fetch(`${base}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/json' },
        body: JSON.stringify({ text }),
      });
    const received = messagePosted(bearer(token()));
    // The subscription is live once it has seen a message: post warm-up messages until then.
    while (received.live.values.length === 0) {
      await post('warm-up');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect((await post('via REST')).status).toBe(201);
    const mutation = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'mutation { postMessage(text: "via GraphQL") { id } }' }),
    });
    expect(mutation.status).toBe(200);
    while (!received.live.values.some((v) => v.messagePosted.text === 'via GraphQL'))
      await new Promise((resolve) => setTimeout(resolve, 20));
    const seen = received.live.values.filter((v) => v.messagePosted.text !== 'warm-up');
    expect(seen.map((v) => [v.messagePosted.text, v.messagePosted.author])).toEqual([
      ['via REST', 'alice'],
      ['via GraphQL', 'alice'],
    ]);
  });

  it('without read:messages the subscription is FORBIDDEN; a bad token never gets connected (4401)', async () => {
    const forbidden = await messagePosted(bearer(token({ scope: 'write:messages' })));
    expect(forbidden.errors?.map((e) => e.extensions)).toEqual([
      { code: 'FORBIDDEN', error: 'insufficient_scope', scope: 'read:messages' },
    ]);
    const forged = await messagePosted(bearer(tamperPayload(token(), { sub: 'mallory' })));
    expect(forged).toMatchObject({ acknowledged: false, closeCode: 4401 });
  });
});
