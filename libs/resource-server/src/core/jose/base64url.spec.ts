// RFC 4648 §3.5: one spelling per byte string. Each refusal is shown next to what Node's lenient
// decoder (used before) makes of the same text.
import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { nonCanonicalSpellings } from '../../../../../test/helpers/tokens.js';
import { decodeBase64url } from './base64url.js';

describe('decodeBase64url: canonical input', () => {
  it.each(Array.from({ length: 12 }, (_, n) => n))('decodes %i random bytes like Buffer does', (n) => {
    for (let run = 0; run < 20; run++) {
      const bytes = randomBytes(n);
      expect(decodeBase64url(bytes.toString('base64url'))).toEqual(bytes);
    }
  });

  it('decodes every character of the alphabet', () => {
    const all = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    expect(decodeBase64url(all)?.toString('base64url')).toBe(all);
  });
});

describe('decodeBase64url: non-canonical input', () => {
  it.each([
    ['2 (mod 4): 4 unused bits', 1, 15],
    ['3 (mod 4): 2 unused bits', 2, 3],
  ])(
    'refuses a length of %s set in the last character, which Buffer decodes to the same bytes',
    (_name, size, count) => {
      for (let run = 0; run < 10; run++) {
        const bytes = randomBytes(size + 3 * run);
        const spellings = nonCanonicalSpellings(bytes.toString('base64url'));
        expect(spellings).toHaveLength(count);
        for (const spelling of spellings) {
          expect(Buffer.from(spelling, 'base64url')).toEqual(bytes); // accepted before
          expect(decodeBase64url(spelling)).toBeUndefined();
        }
      }
    },
  );

  it.each(['A', 'AAAAA', 'QUJDRAQQQ'])('refuses %p: a length of 1 (mod 4) encodes no byte string', (text) => {
    expect(Buffer.from(text, 'base64url').toString('base64url')).not.toBe(text); // Buffer drops the dangling character
    expect(decodeBase64url(text)).toBeUndefined();
  });

  it.each(['QQ==', 'QUI=', 'A+B/', 'QU JD', 'QUJD\n', 'QUJ%', 'QUJé', 'QUJD.'])(
    'refuses %p: characters outside the alphabet',
    (text) => {
      expect(decodeBase64url(text)).toBeUndefined();
    },
  );
});
