// Small validators for resolving options: each records a problem that says what to set, and returns
// a usable fallback so that every problem is reported at once.

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/**
 * The one rule for every URL the library calls, configured or published by the issuer: https, or
 * http on a loopback host (a local development issuer), or http anywhere with `allowInsecureRequests`.
 */
export function isSecureEnough(url: URL, insecureOk: boolean): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && (insecureOk || LOOPBACK.test(url.hostname)));
}

export function checkUrl(name: string, value: unknown, insecureOk: boolean, problems: string[]): void {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    problems.push(`\`${name}\` must be an absolute URL, e.g. https://login.example.com/ (got ${JSON.stringify(value)})`);
    return;
  }
  if (isSecureEnough(url, insecureOk)) return;
  problems.push(`\`${name}\` must use https (http is accepted only for localhost, or with allowInsecureRequests: true)`);
}

export function positive(name: string, value: unknown, fallback: number, problems: string[], max = Number.MAX_SAFE_INTEGER, min = 0): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    problems.push(`\`${name}\` must be a number between ${min} and ${max} (got ${JSON.stringify(value)})`);
    return fallback;
  }
  return value;
}

export function stringList(name: string, value: unknown, fallback: readonly string[], problems: string[], allowEmpty = true): readonly string[] {
  if (value === undefined) return fallback;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v !== '') || (!allowEmpty && value.length === 0)) {
    problems.push(`\`${name}\` must be a${allowEmpty ? 'n' : ' non-empty'} array of non-empty strings`);
    return fallback;
  }
  return value as string[];
}
