/** DI token of the resolved (validated) configuration. Internal: not exported from the package. */
export const RESOLVED_CONFIG = Symbol.for('nestjs-resource-server.resolved-config');

/** Nest's `CACHE_MANAGER` token (`@nestjs/cache-manager`), by value so that package stays optional. */
export const CACHE_MANAGER = 'CACHE_MANAGER';

/** DI token of the transport adapters the pipeline serves (`TransportAdapter[]`). Internal. */
export const TRANSPORTS = Symbol.for('nestjs-resource-server.transports');

/** DI token of the pipeline's observer (telemetry and the `onRefusal` hook). Internal. */
export const PIPELINE_OBSERVER = Symbol.for('nestjs-resource-server.pipeline-observer');

/** DI token of the telemetry sink (OpenTelemetry when installed and enabled, else nothing). Internal. */
export const TELEMETRY = Symbol.for('nestjs-resource-server.telemetry');
