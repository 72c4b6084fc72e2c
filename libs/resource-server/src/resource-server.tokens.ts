/** DI token of the resolved (validated) configuration. Internal: not exported from the package. */
export const RESOLVED_CONFIG = Symbol.for('nestjs-resource-server.resolved-config');

/** Nest's `CACHE_MANAGER` token (`@nestjs/cache-manager`), by value so that package stays optional. */
export const CACHE_MANAGER = 'CACHE_MANAGER';

/** DI token of the transport adapters the pipeline serves (`TransportAdapter[]`). Internal. */
export const TRANSPORTS = Symbol.for('nestjs-resource-server.transports');

/**
 * DI token of a shared DPoP replay store (`DpopReplayStore`): provide one (e.g. Redis-backed) and the
 * module uses it unless `dpopProof.replayStore` is set; otherwise a bounded in-memory store.
 */
export const DPOP_REPLAY_STORE = Symbol.for('nestjs-resource-server.dpop-replay-store');
