// Issue 11, GraphQL subscriptions over graphql-ws (Apollo driver on Express; Express only, so the
// Fastify project skips this file): a real graphql-ws client, the token in connectionParams, checked at
// connection_init (4401 close, never acknowledged) and per subscription (FORBIDDEN), and the
// connection ended when the token expires.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Query, Resolver, Subscription } from '@nestjs/graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { Public, Scopes } from 'nestjs-resource-server';
import { graphqlModule } from '../helpers/graphql.js';
import { startLocalIssuer, type LocalIssuer } from '../helpers/issuer-server.js';
import { generateTestKey } from '../helpers/keys.js';
import { closeAll, closeLater, startApp } from '../helpers/start-app.js';
import { nowSeconds, tamperPayload } from '../helpers/tokens.js';
import { AUDIENCE, minter } from './support.js';

/** An endless stream of numbers, one every 50 ms, until the subscriber leaves. */
async function* ticks(): AsyncGenerator<{ tick: number }> {
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
    return ticks();
  }
}

/** What one subscription saw until it ended. */
interface Outcome {
  values: number[];
  acknowledged: boolean;
  closeCode?: number;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
  completed: boolean;
}

describe('GraphQL subscriptions over graphql-ws', () => {
  const key = generateTestKey('ES256');
  let issuer: LocalIssuer;
  let mint: ReturnType<typeof minter>;
  let url: string;
  const clients: Client[] = [];

  beforeAll(async () => {
    issuer = closeLater(await startLocalIssuer({ keys: [key] }));
    mint = minter(key, issuer.issuer);
    const rs = await startApp({ issuer: issuer.issuer, audience: AUDIENCE, clockTolerance: 1 }, { controllers: [], imports: [graphqlModule()], providers: [TicksResolver] });
    url = `${(await rs.app.getUrl()).replace('[::1]', '127.0.0.1').replace(/^http/, 'ws')}/graphql`;
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    await closeAll();
  });

  /** Subscribes to `tick` with these connectionParams; stops after `take` values (or when the server ends it). */
  function subscribe(connectionParams: Record<string, unknown>, take = Infinity): Promise<Outcome> {
    const outcome: Outcome = { values: [], acknowledged: false, completed: false };
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
    return new Promise((resolve) => {
      const unsubscribe = client.subscribe<{ tick: number }>(
        { query: 'subscription { tick }' },
        {
          next: (result) => {
            if (result.errors) outcome.errors = result.errors as Outcome['errors'];
            if (result.data) outcome.values.push(result.data.tick);
            if (outcome.values.length >= take) {
              unsubscribe();
              resolve(outcome);
            }
          },
          error: (error) => {
            if (Array.isArray(error)) outcome.errors = error;
            else if (typeof (error as { code?: unknown }).code === 'number') outcome.closeCode = (error as { code: number }).code;
            resolve(outcome);
          },
          complete: () => {
            outcome.completed = true;
            resolve(outcome);
          },
        },
      );
    });
  }

  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  it('a valid token with the scope: acknowledged, values flow', async () => {
    const outcome = await subscribe(bearer(mint({ scope: 'read:messages' })), 2);
    expect(outcome).toMatchObject({ acknowledged: true, values: [0, 1] });
    expect(outcome.errors).toBeUndefined();
  });

  it.each<[string, () => Record<string, unknown>]>([
    ['no connectionParams token', () => ({})],
    ['an expired token', () => bearer(mint({ scope: 'read:messages', exp: nowSeconds() - 60, iat: nowSeconds() - 120 }))],
    ['a forged token', () => bearer(tamperPayload(mint({ scope: 'read' }), { scope: 'read:messages' }))],
    ['a token for another audience', () => bearer(mint({ scope: 'read:messages', aud: 'https://other.example' }))],
    ['an authorization that is not a string', () => ({ authorization: 42 })],
    ['another scheme', () => ({ authorization: `Basic ${Buffer.from('a:b').toString('base64')}` })],
  ])('%s: closed with 4401 and never acknowledged', async (_name, params) => {
    const outcome = await subscribe(params());
    expect(outcome).toMatchObject({ acknowledged: false, closeCode: 4401, values: [] });
  });

  it('a valid token without the scope: connected, the subscription refused with FORBIDDEN naming the scope', async () => {
    const outcome = await subscribe(bearer(mint({ scope: 'other' })));
    expect(outcome.acknowledged).toBe(true);
    expect(outcome.values).toEqual([]);
    expect(outcome.errors?.map((e) => e.extensions)).toEqual([{ code: 'FORBIDDEN', error: 'insufficient_scope', scope: 'read:messages' }]);
    expect(JSON.stringify(outcome.errors)).not.toMatch(/\bat .*:\d+:\d+|INTERNAL_SERVER_ERROR/);
  });

  it('the subscription ends when its token expires: the server closes the connection with 4401', async () => {
    const outcome = await subscribe(bearer(mint({ scope: 'read:messages', exp: nowSeconds() + 2 })));
    expect(outcome.acknowledged).toBe(true);
    expect(outcome.values.length).toBeGreaterThan(0);
    expect(outcome.closeCode).toBe(4401);
  });
});
