import { fc, test as property } from '@fast-check/vitest';
import { InvalidArgumentError } from '@loom/core';
import { describe, expect, test } from 'vitest';
import {
  CharTextError,
  CONTROL_CHARACTER_LIMIT,
  checkCharText,
  decodeCharText,
  firstInvalidUtf8Offset,
} from './char_text.js';

const utf8 = (s: string) => new TextEncoder().encode(s);
const decodesStrictly = (bytes: Uint8Array) => {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
};

/** Runs `f`, expecting a CharTextError; returns it. */
function refusal(f: () => unknown): CharTextError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(CharTextError);
    expect(e).toBeInstanceOf(InvalidArgumentError);
    return e as CharTextError;
  }
  throw new Error('expected a CharTextError');
}

describe('firstInvalidUtf8Offset', () => {
  test('hand-picked malformed sequences (Unicode Table 3-7)', () => {
    const cases: [number[], number][] = [
      [[0x61, 0x62], -1],
      [[0x61, 0xff], 1], // never a UTF-8 byte
      [[0xc0, 0x80], 0], // overlong NUL
      [[0xe0, 0x80, 0x80], 0], // overlong three-byte form
      [[0xed, 0xa0, 0x80], 0], // a UTF-16 surrogate, U+D800
      [[0xf4, 0x90, 0x80, 0x80], 0], // above U+10FFFF
      [[0xf0, 0x8f, 0xbf, 0xbf], 0], // overlong four-byte form
      [[0x61, 0xe2, 0x82], 1], // truncated at the end
      [[0xe2, 0x82, 0xac, 0x80], 3], // a stray continuation byte after €
      [[0xf0, 0x9f, 0x98, 0x80], -1], // U+1F600
    ];
    for (const [bytes, offset] of cases) {
      expect(firstInvalidUtf8Offset(Uint8Array.from(bytes)), JSON.stringify(bytes)).toBe(offset);
    }
  });

  /** The reference: -1 when TextDecoder (fatal) accepts all, else its longest accepted prefix. */
  const reference = (bytes: Uint8Array) => {
    if (decodesStrictly(bytes)) return -1;
    for (let k = bytes.length - 1; k > 0; k--) if (decodesStrictly(bytes.subarray(0, k))) return k;
    return 0;
  };

  test('agrees with TextDecoder on every lead byte, continuations at every range edge, after text', () => {
    // Every non-ASCII lead, followed by up to three bytes from both sides of each boundary of the
    // continuation ranges (Table 3-7), complete or cut short, after a valid "a€" prefix.
    // Reference: the replacing decoder decodes everything before the first bad sequence, then
    // writes U+FFFD (no case spells a real U+FFFD, EF BF BD), so the error's offset is the UTF-8
    // length of what precedes the first U+FFFD.
    const lenient = new TextDecoder('utf-8');
    const encoder = new TextEncoder();
    const prefix = Array.from(utf8('a€'));
    const edges = [0x00, 0x41, 0x7f, 0x80, 0x81, 0x8f, 0x90, 0x9f, 0xa0, 0xbe, 0xbf, 0xc0, 0xff];
    let checked = 0;
    const check = (tail: number[]) => {
      const bytes = Uint8Array.from([...prefix, ...tail]);
      const decoded = lenient.decode(bytes);
      const bad = decoded.indexOf('\uFFFD');
      const expected = bad < 0 ? -1 : encoder.encode(decoded.slice(0, bad)).length;
      const got = firstInvalidUtf8Offset(bytes);
      if (got !== expected) expect(`offset ${got} in ${[...bytes]}`).toBe(`offset ${expected}`);
      checked++;
    };
    for (let lead = 0x80; lead <= 0xff; lead++) {
      check([lead]);
      for (const second of edges) {
        check([lead, second]);
        for (const third of [0x41, 0x80, 0xbf, 0xc0]) {
          check([lead, second, third]);
          for (const fourth of [0x7f, 0x80, 0xbf, 0xc0]) check([lead, second, third, fourth]);
        }
      }
    }
    expect(checked).toBe(128 * (1 + 13 * (1 + 4 * (1 + 4))));
  });

  property.prop([fc.uint8Array({ maxLength: 24 })])(
    'equals the longest prefix TextDecoder (fatal) accepts, for random bytes',
    (bytes) => {
      expect(firstInvalidUtf8Offset(bytes)).toBe(reference(bytes));
    },
  );

  property.prop([fc.string({ unit: 'binary' })])('valid for every encoded string', (s) => {
    expect(firstInvalidUtf8Offset(utf8(s))).toBe(-1);
  });
});

describe('decodeCharText', () => {
  test('decodes UTF-8 with astral characters and drops a byte-order mark', () => {
    expect(decodeCharText(utf8('\uFEFFhéllo 😀\n'))).toBe('héllo 😀\n');
  });

  test('empty bytes, and a file that is only a byte-order mark', () => {
    const empty = refusal(() => decodeCharText(new Uint8Array(0), { source: '"a.txt"' }));
    expect(empty.problem).toBe('empty');
    expect(empty.message).toBe('decodeCharText: "a.txt" is empty: it has 0 characters (0 bytes).');
    const bom = refusal(() => decodeCharText(Uint8Array.from([0xef, 0xbb, 0xbf])));
    expect(bom.problem).toBe('empty');
    expect(bom.message).toContain('only a byte-order mark');
  });

  test('a NUL byte marks a binary file, named with its offset', () => {
    const e = refusal(() =>
      decodeCharText(Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00]), {
        fn: 'load',
        source: '"/bin/ls"',
      }),
    );
    expect(e.problem).toBe('nul-byte');
    expect(e.message).toBe('load: "/bin/ls" looks binary, not text: byte 7 of 8 is NUL (0x00).');
  });

  test('invalid UTF-8 names the offset and the bytes found there', () => {
    // "café" in Latin-1: é is the lone byte 0xE9.
    const e = refusal(() => decodeCharText(Uint8Array.from([0x63, 0x61, 0x66, 0xe9, 0x21])));
    expect(e.problem).toBe('invalid-utf8');
    expect(e.message).toContain('the text is not valid UTF-8');
    expect(e.message).toContain('offset 3 (0xE9 0x21)');
    expect(e.message).toContain('iconv');
    expect(e.cause).toBeInstanceOf(TypeError);
  });

  test('control characters above the limit make text binary; tabs and line breaks do not', () => {
    expect(decodeCharText(utf8('a\tb\r\nc\fd\ve\n'))).toBe('a\tb\r\nc\fd\ve\n');
    // 1 control character in 10 is at the limit, 2 in 10 over it.
    const atLimit = `\u0001${'x'.repeat(9)}`;
    expect(1 / atLimit.length).toBe(CONTROL_CHARACTER_LIMIT);
    expect(decodeCharText(utf8(atLimit))).toBe(atLimit);
    const e = refusal(() => decodeCharText(utf8(`\u0001\u007f${'x'.repeat(8)}`)));
    expect(e.problem).toBe('control-characters');
    expect(e.message).toContain('2 of its 10 characters (20.0%) are control characters');
    expect(e.message).toContain('at most 10% are accepted');
  });

  test('the control share counts an astral character once', () => {
    // 2 controls among 2 + 18 astral characters: 10% by code points (accepted), 5.3% by units.
    const text = `\u0001\u0002${'😀'.repeat(18)}`;
    expect(decodeCharText(utf8(text))).toBe(text);
    // 3 controls and 17 emoji: 15% by code points (refused), though only 8.1% of UTF-16 units.
    const e = refusal(() => decodeCharText(utf8(`\u0001\u0002\u0003${'😀'.repeat(17)}`)));
    expect(e.message).toContain('3 of its 20 characters');
  });
});

describe('checkCharText', () => {
  test('strings: empty, U+0000 and control characters are refused', () => {
    expect(checkCharText('plain text')).toBe('plain text');
    expect(refusal(() => checkCharText('')).message).toBe(
      'checkCharText: the text is empty: it has 0 characters to learn from.',
    );
    const nul = refusal(() => checkCharText('ab\u0000c'));
    expect(nul.problem).toBe('nul-byte');
    expect(nul.message).toContain('U+0000');
    expect(nul.message).toContain('offset 2');
    expect(refusal(() => checkCharText('\u0085\u0085ab')).problem).toBe('control-characters');
  });
});
