// Where a microservice message carries its token. Every transport's payload may hold it:
// `authorization` in the payload or in its `headers` object. Transports also have headers of their
// own: TCP and Redis packet metadata (Nest 12, `ClientProxy#setOnDispatchHook`), NATS message
// headers, Kafka record headers, RMQ message properties, MQTT 5 user properties, gRPC metadata.
// Duck-typed, so no transport package is loaded.
import { InvalidRequestError } from '../errors/resource-server.error.js';

function field(source: unknown, name: string): unknown {
  return typeof source === 'object' && source !== null ? (source as Record<string, unknown>)[name] : undefined;
}

/** A header value as transports hand it over: a string, a Buffer (Kafka), a list (gRPC, Kafka). */
function headerText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) {
    if (value.length === 0) return undefined;
    if (value.length > 1) throw new InvalidRequestError('multiple_tokens');
    return headerText(value[0]);
  }
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (typeof value === 'string') return value;
  throw new InvalidRequestError('malformed_authorization');
}

interface GrpcMetadataLike {
  get(key: string): unknown[];
  getMap(): unknown;
}
interface NatsContextLike {
  getHeaders(): { get(key: string): string } | undefined;
}

/** The value of a transport header (not the payload) named `name`, if the context has headers. */
export function contextHeader(context: unknown, name: string): string | undefined {
  if (typeof context !== 'object' || context === null) return undefined;
  const ctx = context as Partial<GrpcMetadataLike & NatsContextLike> & {
    getMessage?: () => unknown;
    getPacket?: () => unknown;
    getMetadata?: () => unknown;
  };
  if (typeof ctx.get === 'function' && typeof ctx.getMap === 'function') return headerText(ctx.get(name)); // gRPC Metadata
  if (typeof ctx.getHeaders === 'function') return headerText(ctx.getHeaders()?.get(name) || undefined); // NATS
  if (typeof ctx.getMessage === 'function') {
    const message = ctx.getMessage();
    // Kafka records have `headers`; RMQ messages `properties.headers`.
    return headerText(
      field(field(message, 'headers'), name) ?? field(field(field(message, 'properties'), 'headers'), name),
    );
  }
  if (typeof ctx.getPacket === 'function')
    return headerText(field(field(field(ctx.getPacket(), 'properties'), 'userProperties'), name)); // MQTT 5
  if (typeof ctx.getMetadata === 'function') return headerText(field(ctx.getMetadata(), name)); // TCP, Redis packet metadata
  return undefined;
}

/** The credential values a message carries under `name`: in the payload, in its `headers`, in the transport's headers. */
export function messageCredentials(data: unknown, context: unknown, name: string): (string | undefined)[] {
  return [headerText(field(data, name)), headerText(field(field(data, 'headers'), name)), contextHeader(context, name)];
}
