// The URL a client addressed (RFC 9449 §4.3 check 9: `htu` is compared with it). Behind a proxy the
// connection says nothing about it: the proxy's `Forwarded` (RFC 7239) or `X-Forwarded-*` headers
// do, and they are believed only when the app says a trusted proxy sets them.

/** The request parts the URL is built from (Express and Fastify requests both fit). */
export interface UrlSource {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Express keeps the full path here when a router is mounted below a prefix. */
  readonly originalUrl?: string;
  readonly url?: string;
  readonly socket?: { readonly encrypted?: boolean } | null;
}

function first(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  const head = v?.split(',')[0]?.trim();
  return head === '' ? undefined : head;
}

/** `proto` and `host` of the first (client-facing) element of a `Forwarded` header. */
function forwarded(value: string | string[] | undefined): { proto?: string; host?: string } {
  const element = first(value);
  if (element === undefined) return {};
  const out: { proto?: string; host?: string } = {};
  for (const pair of element.split(';')) {
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq).trim().toLowerCase();
    const raw = pair.slice(eq + 1).trim();
    const val = raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw;
    if (name === 'proto' || name === 'host') out[name] = val;
  }
  return out;
}

/**
 * The absolute URL of the request as the client addressed it, or undefined when it cannot be told
 * (no Host header, a proto other than http/https).
 * @example requestUrl({ headers: { host: 'api.example.com' }, url: '/orders?x=1', socket: { encrypted: true } }, false)
 * // 'https://api.example.com/orders?x=1'
 */
export function requestUrl(source: UrlSource, trustProxy: boolean): string | undefined {
  const path = source.originalUrl ?? source.url;
  if (typeof path !== 'string' || !path.startsWith('/')) return undefined;
  let proto = source.socket?.encrypted ? 'https' : 'http';
  let host = first(source.headers.host);
  if (trustProxy) {
    const fwd = forwarded(source.headers.forwarded);
    proto = (fwd.proto ?? first(source.headers['x-forwarded-proto']) ?? proto).toLowerCase();
    host = fwd.host ?? first(source.headers['x-forwarded-host']) ?? host;
  }
  if ((proto !== 'http' && proto !== 'https') || host === undefined || /[\s/?#@\\]/.test(host)) return undefined;
  return `${proto}://${host}${path}`;
}
