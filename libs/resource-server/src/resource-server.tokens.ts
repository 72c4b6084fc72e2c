/** DI token of the resolved (validated) configuration. Internal: not exported from the package. */
export const RESOLVED_CONFIG = Symbol('ResourceServerResolvedConfig');
