/** DI token of the resolved (validated) configuration. Internal: not exported from the package. */
export const RESOLVED_CONFIG = Symbol('ResourceServerResolvedConfig');

/** Nest's `CACHE_MANAGER` token (`@nestjs/cache-manager`), by value so that package stays optional. */
export const CACHE_MANAGER = 'CACHE_MANAGER';
