import type { Runtime } from '../../libs/resource-server/src/core/runtime.js';

/** A core runtime with a hand-moved clock and a logger that keeps every line, for unit specs. */
export interface TestRuntime extends Runtime {
  /** Milliseconds; move it by hand, never sleep for cache expiry. */
  clock: number;
  readonly lines: { level: 'log' | 'warn' | 'error'; message: string }[];
}

export function testRuntime(httpTimeoutMs = 2_000): TestRuntime {
  const lines: TestRuntime['lines'] = [];
  const runtime: TestRuntime = {
    clock: 1_000_000,
    now: () => runtime.clock,
    lines,
    logger: {
      log: (message) => lines.push({ level: 'log', message }),
      warn: (message) => lines.push({ level: 'warn', message }),
      error: (message) => lines.push({ level: 'error', message }),
    },
    httpTimeoutMs,
    maxResponseBytes: 1_000_000,
  };
  return runtime;
}
