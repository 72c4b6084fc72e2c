// `@nestjs/websockets`, `@nestjs/microservices` and `@grpc/grpc-js` are optional peers: an app that
// does not use a transport need not install its package. They are imported when the module starts,
// never when the library is loaded, and a missing one simply leaves its transport without an adapter.
// (A dynamic import resolves to the app's own copy, so `instanceof` checks in Nest's filters hold.)

/** The exception classes Nest's WebSocket and RPC filters answer with our payload as is. */
export type ExceptionClass = new (error: string | object) => Error;

/** A gRPC `Metadata` class, for the trailers of a refused call. */
export type MetadataClass = new () => { set(key: string, value: string): void };

/** What could be loaded; a missing package is undefined. */
export interface OptionalPeers {
  readonly WsException: ExceptionClass | undefined;
  readonly RpcException: ExceptionClass | undefined;
  readonly Metadata: MetadataClass | undefined;
}

async function load<T>(specifier: string, pick: (module: Record<string, unknown>) => unknown): Promise<T | undefined> {
  try {
    return (pick((await import(specifier)) as Record<string, unknown>) as T | undefined) ?? undefined;
  } catch (error) {
    // Not installed: no adapter, so its context stays denied. Anything else is a real fault: say so at bootstrap.
    const code = (error as { code?: unknown } | null)?.code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return undefined;
    throw error;
  }
}

let loaded: OptionalPeers | undefined;

/** The peers of the last bootstrap, for code that runs without DI (parameter decorators). */
export function loadedPeers(): OptionalPeers | undefined {
  return loaded;
}

/** Loads the optional peers that are installed. */
export async function loadOptionalPeers(): Promise<OptionalPeers> {
  // One after the other: Jest's ESM loader fails to link concurrent imports that share a dependency.
  const WsException = await load<ExceptionClass>('@nestjs/websockets', (m) => m.WsException);
  const RpcException = await load<ExceptionClass>('@nestjs/microservices', (m) => m.RpcException);
  const Metadata = await load<MetadataClass>(
    '@grpc/grpc-js',
    (m) => m.Metadata ?? (m.default as { Metadata?: unknown } | undefined)?.Metadata,
  );
  return (loaded = { WsException, RpcException, Metadata });
}
