// RFC 7519 §7.2, RFC 8259 §8.1, RFC 7515 §4 / RFC 7519 §4: what a header or claims set must be. Each
// refusal is shown next to what `JSON.parse(bytes.toString('utf8'))` (used before) made of it.
import { describe, expect, it } from '@jest/globals';
import { parseJsonObject, type DuplicateCheck } from './strict-json.js';

const lenient = (bytes: Buffer): unknown => JSON.parse(bytes.toString('utf8'));
const text = (json: string) => Buffer.from(json, 'utf8');
const MODES: DuplicateCheck[] = ['all-objects', 'top-level'];

describe('parseJsonObject: accepted', () => {
  it.each([
    ['a flat object', '{"alg":"RS256","kid":"k1"}'],
    ['an empty object', '{}'],
    [
      'colons, quotes and backslashes inside strings',
      '{"iss":"https://a.example:8443/x","q":"a\\":\\"b","p":"c\\\\","r\\\\":":"}',
    ],
    ['whitespace around colons', '{ "a" : 1 ,\n\t"b"\r\n:\n{ "a" : [ { "a" : 2 } ] } }'],
    [
      'the same name in different objects',
      '{"roles":["a"],"realm_access":{"roles":["b"]},"resource_access":{"x":{"roles":["c"]},"y":{"roles":[]}}}',
    ],
    ['names that differ only after an escape', '{"a\\u0063":1,"ab\\n":2,"ab":3}'],
    ['multi-byte UTF-8 names and values', '{"名前":"José","emoji":"😀","名":"x"}'],
    ['objects inside arrays', '{"authorization_details":[{"type":"a","actions":["r"]},{"type":"b"}],"x":[[{}],{}]}'],
  ])('%s', (_name, json) => {
    for (const mode of MODES) expect(parseJsonObject(text(json), mode)).toEqual(JSON.parse(json));
  });

  it('agrees with JSON.parse on 500 random JSON objects', () => {
    let seed = 7;
    const random = (n: number) => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
    const value = (depth: number): unknown => {
      const kind = random(depth > 3 ? 4 : 6);
      if (kind === 0) return random(1000) - 500;
      if (kind === 1) return ['x', 'a:b', 'q"u', 'b\\s', 'é', ''][random(6)];
      if (kind === 2) return [true, false, null][random(3)];
      if (kind === 3) return 1.5;
      if (kind === 4) return Array.from({ length: random(4) }, () => value(depth + 1));
      return Object.fromEntries(
        Array.from({ length: random(5) }, (_, i) => [`k${i}${['', ':', '"', '\\'][random(4)]}`, value(depth + 1)]),
      );
    };
    for (let i = 0; i < 500; i++) {
      const object = { root: value(0), other: value(2) };
      const json = JSON.stringify(object, null, random(2) === 0 ? 1 : undefined);
      for (const mode of MODES) expect(parseJsonObject(text(json), mode)).toEqual(object);
    }
  });

  it('handles nesting deeper than a recursive walk could', () => {
    const json = `{"a":${'['.repeat(20_000)}{"b":1}${']'.repeat(20_000)}}`;
    for (const mode of MODES) expect(parseJsonObject(text(json), mode)).toBeDefined();
  });
});

describe('parseJsonObject: not a JSON object', () => {
  it.each(['', 'null', '[]', '"x"', '1', 'true', '{', '{"a":1}x', "{'a':1}"])('refuses %p', (json) => {
    for (const mode of MODES) expect(parseJsonObject(text(json), mode)).toBeUndefined();
  });
});

describe('parseJsonObject: invalid UTF-8 (RFC 7519 §7.2)', () => {
  // Each is valid JSON once a lenient decoder has replaced the bad bytes with U+FFFD.
  it.each([
    ['a lone continuation byte', [0x80]],
    ['0xFF', [0xff]],
    ['an overlong "/"', [0xc0, 0xaf]],
    ['a UTF-8-encoded surrogate', [0xed, 0xa0, 0x80]],
    ['a truncated 3-byte sequence', [0xe2, 0x82]],
    ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
  ])('refuses %s inside a string', (_name, bad) => {
    const bytes = Buffer.concat([text('{"sub":"a'), Buffer.from(bad), text('"}')]);
    expect(lenient(bytes)).toEqual({ sub: expect.stringContaining('\uFFFD') }); // accepted before
    for (const mode of MODES) expect(parseJsonObject(bytes, mode)).toBeUndefined();
  });

  it('refuses a byte order mark (RFC 8259 §8.1) rather than dropping it', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), text('{"alg":"RS256"}')]);
    expect(new TextDecoder().decode(bytes)).toBe('{"alg":"RS256"}'); // a default TextDecoder drops it
    for (const mode of MODES) expect(parseJsonObject(bytes, mode)).toBeUndefined();
  });
});

describe('parseJsonObject: duplicate member names (RFC 7515 §4, RFC 7519 §4)', () => {
  it.each([
    ['at the top', '{"alg":"none","alg":"RS256"}'],
    ['at the top, not adjacent', '{"sub":"admin","scope":"read","sub":"alice"}'],
    ['spelled with an escape', '{"alg":"none","\\u0061lg":"RS256"}'],
    ['with whitespace before the colon', '{"a":1, "a" :2}'],
    ['after nested objects and arrays', '{"a":{"b":[{"c":1}]},"d":[],"a":{}}'],
    ['__proto__', '{"__proto__":{"admin":true},"__proto__":{}}'],
    ['with the same value twice', '{"sub":"alice","sub":"alice"}'],
  ])('refuses a duplicate %s in both modes', (_name, json) => {
    expect(lenient(text(json))).toBeInstanceOf(Object); // accepted before, last one winning
    for (const mode of MODES) expect(parseJsonObject(text(json), mode)).toBeUndefined();
  });

  it.each([
    ['in a nested object', '{"realm_access":{"roles":["admin"],"roles":["user"]}}'],
    ['in an object inside an array', '{"authorization_details":[{"type":"a"},{"type":"b","type":"c"}]}'],
    ['deep, inside a subtree that is itself overwritten', '{"x":{"a":{"b":{"c":1,"c":2}},"a":{}}}'],
  ])('refuses a duplicate %s in all-objects mode; top-level mode leaves it to last-wins', (_name, json) => {
    expect(parseJsonObject(text(json), 'all-objects')).toBeUndefined();
    expect(parseJsonObject(text(json), 'top-level')).toEqual(JSON.parse(json));
  });
});
