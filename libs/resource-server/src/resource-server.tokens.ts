/** DI token of the resolved (validated) configuration. Internal: not exported from the package. */
export const RESOLVED_CONFIG = Symbol.for('nestjs-resource-server.resolved-config');

/** Nest's `CACHE_MANAGER` token (`@nestjs/cache-manager`), by value so that package stays optional. */
export const CACHE_MANAGER = 'CACHE_MANAGER';

/** DI token of the transport adapters the pipeline serves (`TransportAdapter[]`). Internal. */
export const TRANSPORTS = Symbol.for('nestjs-resource-server.transports');

/**
 * DI token of a shared DPoP replay store (`DpopReplayStore`): provide and export it from a global
 * module and the resource-server module uses it unless `dpopProof.replayStore` is set; otherwise a
 * bounded in-memory store.
 * @example
 * ```ts
 * const replayStore: DpopReplayStore = { setIfAbsent: async () => true }; // yours: atomic and shared
 * @Global()
 * @Module({ providers: [{ provide: DPOP_REPLAY_STORE, useValue: replayStore }], exports: [DPOP_REPLAY_STORE] })
 * class SharedStateModule {}
 * ```
 */
export const DPOP_REPLAY_STORE = Symbol.for('nestjs-resource-server.dpop-replay-store');
/** DI token of the pipeline's observer (telemetry and the `onRefusal` hook). Internal. */
export const PIPELINE_OBSERVER = Symbol.for('nestjs-resource-server.pipeline-observer');

/** DI token of the telemetry sink (OpenTelemetry when installed and enabled, else nothing). Internal. */
export const TELEMETRY = Symbol.for('nestjs-resource-server.telemetry');

/** DI token of the Redis client shared state goes through (undefined without `redis`). Internal. */
export const REDIS_CLIENT = Symbol.for('nestjs-resource-server.redis-client');

/** DI token of the core runtime (clock, logger, call limits) every component shares. Internal. */
export const RUNTIME = Symbol.for('nestjs-resource-server.runtime');

/** DI token of the replay store of single-use ids (logout tokens, security events, DPoP proofs). Internal. */
export const REPLAY_STORE = Symbol.for('nestjs-resource-server.replay-store');
