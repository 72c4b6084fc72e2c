// RFC 7519 §7.2 steps 4 and 10 (header and claims are "a UTF-8-encoded representation of a completely
// valid JSON object"), RFC 8259 §8.1 (UTF-8, no byte order mark) and RFC 7515 §4 / RFC 7519 §4 (unique
// member names; a parser may reject duplicates or keep the last): a header or claims set that two
// parsers could read differently is refused.

// fatal: invalid UTF-8 throws instead of turning into U+FFFD; ignoreBOM: a leading BOM stays in the
// text (and JSON.parse refuses it) instead of being silently dropped.
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;

/**
 * Parses a JWS header or claims set: strict UTF-8, then JSON, which must be an object whose objects,
 * at any depth, have no duplicate member names. Returns undefined for anything else.
 * @example
 * ```ts
 * parseJsonObject(Buffer.from('{"alg":"RS256"}')); // { alg: 'RS256' }
 * parseJsonObject(Buffer.from('{"alg":"none","alg":"RS256"}')); // undefined
 * ```
 */
export function parseJsonObject(bytes: Uint8Array): Record<string, unknown> | undefined {
  let text: string;
  let value: unknown;
  try {
    text = UTF8.decode(bytes);
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  // JSON.parse keeps the last of duplicate members, so the parsed value has fewer members than the
  // text names exactly when some object repeats a name (an overwritten subtree only lowers the count).
  if (countMemberNames(bytes) !== countMembers(value)) return undefined;
  return value as Record<string, unknown>;
}

/**
 * The member names in a valid JSON text, given as its UTF-8 bytes: strings followed by `:`. Scans the
 * bytes rather than the decoded string (twice as fast, measured): in UTF-8 the bytes of `"`, `\`,
 * `:` and whitespace never occur inside a multi-byte character.
 */
function countMemberNames(bytes: Uint8Array): number {
  let count = 0;
  const end = bytes.length;
  for (let i = 0; i < end; i++) {
    if (bytes[i] !== QUOTE) continue;
    // Inside a string: skip to its closing quote, stepping over escaped characters.
    for (i++; i < end && bytes[i] !== QUOTE; i++) if (bytes[i] === BACKSLASH) i++;
    let c = bytes[++i];
    while (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) c = bytes[++i];
    // A string followed by ':' names a member; the character after any string is never a quote.
    if (c === COLON) count++;
  }
  return count;
}

/** The members of every object in a parsed JSON value, at any depth (no recursion: depth is unbounded). */
function countMembers(value: unknown): number {
  let count = 0;
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const item = pending.pop();
    if (typeof item !== 'object' || item === null) continue;
    const children = Array.isArray(item) ? item : Object.values(item);
    if (!Array.isArray(item)) count += children.length;
    for (const child of children) if (typeof child === 'object' && child !== null) pending.push(child);
  }
  return count;
}
