// The one outbound HTTP path, against a real local server: size caps (declared and streamed), no
// redirects followed, timeouts, transport errors and the JSON-object contract of fetchJsonObject.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fetchJsonObject, httpRequest, HttpClientError, type HttpFailure } from './http-client.js';

const LIMITS = { timeoutMs: 2_000, maxBytes: 1_000 };
const hits = new Map<string, number>();
let server: Server;
let base: string;

function routes(req: IncomingMessage, res: ServerResponse, body: string): void {
  const send = (status: number, text: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      ...headers,
    });
    res.end(text);
  };
  switch (req.url) {
    case '/echo':
      return send(
        200,
        JSON.stringify({ method: req.method, accept: req.headers.accept, extra: req.headers['x-extra'], body }),
      );
    case '/exactly-max':
      return send(200, 'x'.repeat(LIMITS.maxBytes));
    case '/declared-large':
      return send(200, 'x'.repeat(LIMITS.maxBytes + 1));
    case '/streamed-large':
      // Chunked, no content-length: only counting the bytes as they arrive catches it.
      res.writeHead(200, { 'content-type': 'text/plain' });
      for (let i = 0; i < 4; i++) res.write('y'.repeat(400));
      return void res.end();
    case '/no-content':
      return send(204, '');
    case '/redirect':
      return send(302, '', { location: `${base}/redirect-target` });
    case '/server-error':
      return send(500, '{"error":"boom"}');
    case '/array':
      return send(200, '[1,2]');
    case '/null':
      return send(200, 'null');
    case '/not-json':
      return send(200, '<html>');
    case '/silent':
      return; // never answers: the client's timeout must end the call
    default:
      return send(404, '{}');
  }
}

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.set(req.url ?? '', (hits.get(req.url ?? '') ?? 0) + 1);
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => routes(req, res, body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function failure(call: Promise<unknown>): Promise<HttpClientError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HttpClientError);
  return error as HttpClientError;
}

function expectFailure(error: HttpClientError, failure: HttpFailure, url: string, message: RegExp): void {
  expect(error.failure).toBe(failure);
  expect(error.url).toBe(url);
  expect(error.message).toMatch(message);
  expect(error.message.endsWith(`(${url})`)).toBe(true);
}

describe('httpRequest', () => {
  it('sends method, headers and body, and returns status, headers and the whole body', async () => {
    const response = await httpRequest(`${base}/echo`, {
      ...LIMITS,
      method: 'POST',
      headers: { 'x-extra': 'yes', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'token=abc',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(JSON.parse(response.body)).toEqual({ method: 'POST', extra: 'yes', accept: '*/*', body: 'token=abc' });
  });

  it('reads a body of exactly maxBytes, and an empty one', async () => {
    expect((await httpRequest(`${base}/exactly-max`, LIMITS)).body).toHaveLength(LIMITS.maxBytes);
    expect(await httpRequest(`${base}/no-content`, LIMITS)).toMatchObject({ status: 204, body: '' });
  });

  it('refuses a body whose declared length is over maxBytes', async () => {
    const url = `${base}/declared-large`;
    expectFailure(await failure(httpRequest(url, LIMITS)), 'too_large', url, /^response larger than 1000 bytes/);
  });

  it('refuses a chunked body that grows past maxBytes while it is read', async () => {
    const url = `${base}/streamed-large`;
    expectFailure(await failure(httpRequest(url, LIMITS)), 'too_large', url, /^response larger than 1000 bytes/);
  });

  it('returns a redirect as it is and never follows it', async () => {
    const response = await httpRequest(`${base}/redirect`, LIMITS);
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(`${base}/redirect-target`);
    expect(hits.get('/redirect-target')).toBeUndefined();
  });

  it('a server that never answers is a timeout, with the abort as cause', async () => {
    const url = `${base}/silent`;
    const error = await failure(httpRequest(url, { ...LIMITS, timeoutMs: 150 }));
    expectFailure(error, 'timeout', url, /^no answer within 150 ms/);
    expect(error.cause).toBeDefined();
  });

  it('a refused connection is a network failure, with the transport error as cause', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/`;
    await new Promise((resolve) => closed.close(resolve));

    const error = await failure(httpRequest(url, LIMITS));
    expectFailure(error, 'network', url, /^request failed/);
    // fetch's TypeError comes from Node's realm, not the test's: compare by shape.
    expect(error.cause).toMatchObject({ name: 'TypeError', message: 'fetch failed' });
    expect(error.status).toBeUndefined();
  });
});

describe('fetchJsonObject', () => {
  it('returns the JSON object and asks for JSON unless the caller set accept', async () => {
    expect(await fetchJsonObject(`${base}/echo`, LIMITS)).toEqual({
      status: 200,
      json: { method: 'GET', accept: 'application/json', body: '' },
    });
    const custom = await fetchJsonObject(`${base}/echo`, {
      ...LIMITS,
      headers: { accept: 'application/jwk-set+json' },
    });
    expect(custom.json.accept).toBe('application/jwk-set+json');
  });

  it('a non-2xx status is a status failure carrying the status', async () => {
    const url = `${base}/server-error`;
    const error = await failure(fetchJsonObject(url, LIMITS));
    expectFailure(error, 'status', url, /^HTTP 500/);
    expect(error.status).toBe(500);
    expect((await failure(fetchJsonObject(`${base}/redirect`, LIMITS))).status).toBe(302);
  });

  it('a body that is not JSON, or JSON but not an object, is invalid_body', async () => {
    const notJson = await failure(fetchJsonObject(`${base}/not-json`, LIMITS));
    expectFailure(notJson, 'invalid_body', `${base}/not-json`, /^response is not JSON \(/);
    expect(notJson.cause).toBeInstanceOf(SyntaxError);
    expect(notJson.status).toBe(200);

    for (const path of ['/array', '/null']) {
      expectFailure(
        await failure(fetchJsonObject(`${base}${path}`, LIMITS)),
        'invalid_body',
        `${base}${path}`,
        /^response is not a JSON object/,
      );
    }
  });
});
