// The only way the library talks to the network: every call has a timeout and a response size cap,
// and URLs come from configuration or from the issuer's own metadata, never from a token.

/** Why an outbound call failed. */
export type HttpFailure = 'timeout' | 'network' | 'status' | 'too_large' | 'invalid_body';

/** An outbound call that did not produce a usable answer. Carries no secret. */
export class HttpClientError extends Error {
  constructor(
    readonly failure: HttpFailure,
    readonly url: string,
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(`${message} (${url})`, options);
    this.name = 'HttpClientError';
  }
}

export interface HttpRequest {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** Milliseconds before the call is abandoned. */
  timeoutMs: number;
  /** Bytes of body read at most; a larger answer is an error, not a truncation. */
  maxBytes: number;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  body: string;
}

async function readCapped(response: Response, url: string, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (declared > maxBytes) throw new HttpClientError('too_large', url, `response larger than ${maxBytes} bytes`);
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > maxBytes) throw new HttpClientError('too_large', url, `response larger than ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Sends one request and reads the whole (capped) body. Any status is returned; transport trouble throws. */
export async function httpRequest(url: string, request: HttpRequest): Promise<HttpResponse> {
  const signal = AbortSignal.timeout(request.timeoutMs);
  try {
    const response = await fetch(url, {
      method: request.method ?? 'GET',
      headers: request.headers,
      body: request.body,
      signal,
      // Never follow: a redirect would resend the caller's token (and client secrets) to a URL that
      // neither the configuration nor the issuer's metadata named, past every endpoint check.
      redirect: 'manual',
    });
    return {
      status: response.status,
      headers: response.headers,
      body: await readCapped(response, url, request.maxBytes),
    };
  } catch (cause) {
    if (cause instanceof HttpClientError) throw cause;
    if (signal.aborted)
      throw new HttpClientError('timeout', url, `no answer within ${request.timeoutMs} ms`, undefined, { cause });
    throw new HttpClientError('network', url, 'request failed', undefined, { cause });
  }
}

/** GETs a JSON object; a non-2xx status, a body that is not a JSON object or trouble on the way throws. */
export async function fetchJsonObject(
  url: string,
  request: HttpRequest,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await httpRequest(url, { ...request, headers: { accept: 'application/json', ...request.headers } });
  if (response.status < 200 || response.status > 299) {
    throw new HttpClientError('status', url, `HTTP ${response.status}`, response.status);
  }
  let json: unknown;
  try {
    json = JSON.parse(response.body);
  } catch (cause) {
    throw new HttpClientError('invalid_body', url, 'response is not JSON', response.status, { cause });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new HttpClientError('invalid_body', url, 'response is not a JSON object', response.status);
  }
  return { status: response.status, json: json as Record<string, unknown> };
}
