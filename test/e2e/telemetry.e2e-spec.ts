// OpenTelemetry, read back through the SDK's in-memory exporters: verifications by outcome, code,
// issuer and format; their duration; calls to the issuer (counts, durations, one span each); cache
// hit ratios; a JWKS outage. No attribute ever holds a token or a claim set.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, Module, type INestApplication } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { metrics, trace } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type DataPoint,
  type Histogram,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import request from 'supertest';
import { AccessTokenGuard, ResourceServerModule, Scopes, UserInfo } from 'nestjs-resource-server';
import { createTestIssuer, useTestIssuer, type TestIssuer } from 'nestjs-resource-server/testing';

@Controller('t')
class TelemetryProbe {
  @Scopes('read') @Get() read() {
    return { ok: true };
  }
  @Get('me') me(@UserInfo('sub') sub: string) {
    return { sub };
  }
}

@Module({
  imports: [ResourceServerModule.forRoot({ issuer: 'https://unused.example.com/', audience: 'x' })],
  controllers: [TelemetryProbe],
  providers: [{ provide: APP_GUARD, useExisting: AccessTokenGuard }],
})
class TelemetryApp {}

describe('OpenTelemetry metrics and spans', () => {
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
  const spanExporter = new InMemorySpanExporter();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] });
  let issuer: TestIssuer;
  let app: INestApplication;
  const tokens: string[] = [];
  const get = (path: string, token?: string) => {
    if (token) tokens.push(token);
    const call = request(app.getHttpServer()).get(path);
    return token ? call.set('Authorization', `Bearer ${token}`) : call;
  };

  /** One collection: the points of each metric, all read at the same moment. */
  async function collect(): Promise<(name: string) => DataPoint<number | Histogram>[]> {
    metricExporter.reset();
    await reader.forceFlush();
    const all = metricExporter.getMetrics().flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics));
    return (name) =>
      all.filter((m) => m.descriptor.name === name).flatMap((m) => m.dataPoints as DataPoint<number | Histogram>[]);
  }
  const points = async (name: string) => (await collect())(name);
  const sum = (ps: DataPoint<number | Histogram>[], where: Record<string, unknown>) =>
    ps
      .filter((p) => Object.entries(where).every(([k, v]) => p.attributes[k] === v))
      .reduce((n, p) => n + (typeof p.value === 'number' ? p.value : p.value.count), 0);

  beforeAll(async () => {
    // The SDK is registered before the app is created, as in any instrumented service.
    metrics.setGlobalMeterProvider(meterProvider);
    trace.setGlobalTracerProvider(tracerProvider);
    issuer = await createTestIssuer({ audience: 'https://api.test' });
    const options = { keySet: { refetchCooldownMs: 0, cacheMaxAgeMs: 1, maxStaleAgeMs: 600_000, retryIntervalMs: 1 } };
    const moduleRef = await useTestIssuer(
      Test.createTestingModule({ imports: [TelemetryApp] }),
      issuer,
      options,
    ).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  });
  afterAll(async () => {
    await app?.close();
    await issuer?.close();
    await meterProvider.shutdown();
    await tracerProvider.shutdown();
    metrics.disable();
    trace.disable();
  });

  it('counts verifications by outcome, error code, issuer and token format, and times them', async () => {
    const token = issuer.token({ scopes: ['read'] });
    for (let i = 0; i < 3; i++) await get('/t', token).expect(200);
    await get('/t', issuer.opaqueToken({ scopes: ['read'] })).expect(200);
    await get('/t', issuer.expiredToken({ scopes: ['read'] })).expect(401);
    await get('/t', issuer.token({ scopes: ['other'] })).expect(403);
    await get('/t').expect(401);

    const counted = await points('resource_server.verifications');
    const iss = issuer.issuer;
    expect(
      sum(counted, {
        'resource_server.outcome': 'accepted',
        'resource_server.issuer': iss,
        'resource_server.token_format': 'jwt',
      }),
    ).toBe(3);
    expect(
      sum(counted, {
        'resource_server.outcome': 'accepted',
        'resource_server.token_format': 'jwt',
        'resource_server.cached': true,
      }),
    ).toBe(2);
    expect(
      sum(counted, {
        'resource_server.outcome': 'accepted',
        'resource_server.token_format': 'opaque',
        'resource_server.issuer': iss,
      }),
    ).toBe(1);
    expect(
      sum(counted, { 'resource_server.outcome': 'refused', 'error.type': 'expired', 'resource_server.issuer': iss }),
    ).toBe(1);
    expect(
      sum(counted, {
        'resource_server.outcome': 'refused',
        'error.type': 'insufficient_scope',
        'resource_server.issuer': iss,
      }),
    ).toBe(1);
    expect(
      sum(counted, {
        'resource_server.outcome': 'refused',
        'error.type': 'missing_token',
        'resource_server.token_format': 'none',
      }),
    ).toBe(1);

    // Full verifications are timed (1 JWT, 1 opaque, the expired one, the 403); answers from the
    // verified-token cache and a call without a token are counted only.
    const durations = await points('resource_server.verification.duration');
    expect(sum(durations, {})).toBe(4);
    expect(sum(durations, { 'resource_server.cached': true })).toBe(0);
    expect(durations.every((p) => (p.value as Histogram).min! >= 0)).toBe(true);
  });

  it('reports cache lookups, hits and misses per cache', async () => {
    const opaque = issuer.opaqueToken({ scopes: ['read'] });
    await get('/t', opaque).expect(200);
    await get('/t', opaque).expect(200);
    const me = issuer.token();
    await get('/t/me', me).expect(200);
    await get('/t/me', me).expect(200);
    const lookups = await points('resource_server.cache.lookups');
    const of = (cache: string, result: string) =>
      sum(lookups, { 'resource_server.cache': cache, 'resource_server.cache.result': result });
    expect(of('verified_token', 'hit')).toBeGreaterThanOrEqual(3);
    expect(of('verified_token', 'miss')).toBeGreaterThanOrEqual(3);
    expect(of('introspection', 'hit')).toBe(1);
    expect(of('introspection', 'miss')).toBe(2);
    expect(of('userinfo', 'hit')).toBe(1);
    expect(of('userinfo', 'miss')).toBe(1);
  });

  it('counts and times each kind of call to the issuer, with one client span per call', async () => {
    // Keys older than cacheMaxAge (1 ms here) are refreshed in the background: read both at once.
    const snapshot = await collect();
    const calls = snapshot('resource_server.outbound.calls');
    const durations = snapshot('resource_server.outbound.duration');
    for (const kind of ['discovery', 'jwks', 'introspection', 'userinfo']) {
      expect(
        sum(calls, {
          'resource_server.call': kind,
          'resource_server.outcome': 'ok',
          'resource_server.issuer': issuer.issuer,
        }),
      ).toBeGreaterThanOrEqual(1);
      expect(sum(durations, { 'resource_server.call': kind })).toBe(sum(calls, { 'resource_server.call': kind }));
    }
    const spans = spanExporter.getFinishedSpans();
    expect(new Set(spans.map((s) => s.name))).toEqual(
      new Set([
        'resource_server discovery',
        'resource_server jwks',
        'resource_server introspection',
        'resource_server userinfo',
      ]),
    );
    expect(
      spans.every((s) => s.kind === 2 /* CLIENT */ && s.attributes['resource_server.issuer'] === issuer.issuer),
    ).toBe(true);
  });

  it('during a JWKS outage, counts failed key fetches and marks their spans as errors while cached keys keep working', async () => {
    const token = issuer.token({ scopes: ['read'] });
    await get('/t', token).expect(200);
    issuer.setFault('jwks', 'status500');
    spanExporter.reset();
    // The key set is older than cacheMaxAge (1 ms): the next call refreshes it in the background.
    await new Promise((resolve) => setTimeout(resolve, 20));
    await get('/t', issuer.token({ scopes: ['read'] })).expect(200);
    // The refresh runs in the background: wait (bounded) until its span has ended.
    const failedSpan = () =>
      spanExporter.getFinishedSpans().some((s) => s.name === 'resource_server jwks' && s.status.code === 2);
    for (let i = 0; i < 100 && !failedSpan(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    issuer.setFault('jwks', 'ok');
    const calls = await points('resource_server.outbound.calls');
    expect(sum(calls, { 'resource_server.call': 'jwks', 'resource_server.outcome': 'error' })).toBeGreaterThanOrEqual(
      1,
    );
    const failed = spanExporter
      .getFinishedSpans()
      .filter((s) => s.name === 'resource_server jwks' && s.status.code === 2 /* ERROR */);
    expect(failed.length).toBeGreaterThanOrEqual(1);
    expect(failed[0]!.status.message).toMatch(/HTTP 500/);
  });

  it('never puts a token, the client secret or a claim set in an attribute or span', async () => {
    const dump = JSON.stringify([
      (await points('resource_server.verifications')).map((p) => p.attributes),
      (await points('resource_server.outbound.calls')).map((p) => p.attributes),
      spanExporter.getFinishedSpans().map((s) => [s.name, s.attributes, s.status, s.events]),
    ]);
    for (const token of tokens) expect(dump).not.toContain(token.split('.')[1] ?? token);
    expect(dump).not.toContain(issuer.client.clientSecret);
    expect(dump).not.toContain('"sub"');
    expect(dump).not.toContain('test-user');
  });
});
