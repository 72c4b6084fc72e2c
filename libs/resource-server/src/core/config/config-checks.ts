// Small validators for resolving options: each records a problem that says what to set, and returns
// a usable fallback so that every problem is reported at once.

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

// userinfo in the authority (`https://user:pass@host/`), even an empty one (`https://@host/`).
const USERINFO = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i;

/** Whether the URL carries credentials (`user:pass@`), which would be sent and logged with every call. */
export function hasUserinfo(url: URL, raw: string = url.href): boolean {
  return url.username !== '' || url.password !== '' || USERINFO.test(raw);
}

/**
 * The one rule for every URL the library calls, configured or published by the issuer: https, or
 * http on a loopback host (a local development issuer), or http anywhere with `allowInsecureRequests`;
 * and never credentials in the URL.
 * @example
 * isSecureEnough(new URL('http://localhost:3000/jwks'), false); // true
 * isSecureEnough(new URL('https://user:pw@id.example/'), true);  // false
 */
export function isSecureEnough(url: URL, insecureOk: boolean): boolean {
  if (hasUserinfo(url)) return false;
  return url.protocol === 'https:' || (url.protocol === 'http:' && (insecureOk || LOOPBACK.test(url.hostname)));
}

/**
 * Records a problem unless `value` is a URL the library may call (see {@link isSecureEnough}). With
 * `issuer`, a query or fragment is refused too (RFC 8414 §2, OIDC Discovery §4.3: tokens name the
 * issuer exactly, and discovery appends to its path).
 * @example
 * checkUrl('jwksUri', options.jwksUri, false, problems);
 */
export function checkUrl(
  name: string,
  value: unknown,
  insecureOk: boolean,
  problems: string[],
  kind: 'issuer' | 'endpoint' = 'endpoint',
): void {
  let url: URL;
  const raw = String(value);
  try {
    url = new URL(raw);
  } catch {
    problems.push(
      `\`${name}\` must be an absolute URL, e.g. https://login.example.com/ (got ${JSON.stringify(value)})`,
    );
    return;
  }
  if (hasUserinfo(url, raw)) {
    // Never echo the value: it holds a password.
    problems.push(
      `\`${name}\` must not contain credentials (user:password@): configure client credentials in their own options`,
    );
    return;
  }
  if (kind === 'issuer' && /[?#]/.test(raw)) {
    problems.push(
      `\`${name}\` must not have a query or a fragment: set it exactly as in the tokens' "iss" claim (RFC 8414 §2)`,
    );
  }
  if (isSecureEnough(url, insecureOk)) return;
  problems.push(
    `\`${name}\` must use https (http is accepted only for localhost, or with allowInsecureRequests: true)`,
  );
}

/** A number in [min, max], `fallback` when absent; records a problem otherwise. */
export function positive(
  name: string,
  value: unknown,
  fallback: number,
  problems: string[],
  max = Number.MAX_SAFE_INTEGER,
  min = 0,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    problems.push(`\`${name}\` must be a number between ${min} and ${max} (got ${JSON.stringify(value)})`);
    return fallback;
  }
  return value;
}

/** A list of non-empty strings, `fallback` when absent; records a problem otherwise. */
export function stringList(
  name: string,
  value: unknown,
  fallback: readonly string[],
  problems: string[],
  allowEmpty = true,
): readonly string[] {
  if (value === undefined) return fallback;
  if (
    !Array.isArray(value) ||
    !value.every((v) => typeof v === 'string' && v !== '') ||
    (!allowEmpty && value.length === 0)
  ) {
    problems.push(`\`${name}\` must be a${allowEmpty ? 'n' : ' non-empty'} array of non-empty strings`);
    return fallback;
  }
  return value as string[];
}
