import { fc, test as property } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';
import { charCorpus } from './char_corpus.js';
import {
  charCorpusSplit,
  DEFAULT_HELD_OUT_FRACTION,
  heldOutLength,
  minimumSplitLength,
} from './char_split.js';
import { CharTextError } from './char_text.js';
import { DatasetError } from './errors.js';

describe('charCorpusSplit', () => {
  test('holds out the last 10%: sizes, vocabulary of the whole text, ids of the tail', () => {
    // 100 characters; the tail (last 10) holds "z", which the prefix never uses.
    const text = `${'abcab'.repeat(18)}cccccczzzz`;
    const split = charCorpusSplit(text, { seqLen: 8 });
    expect(split.length).toBe(100);
    expect(split.train.length).toBe(90);
    expect(split.train.text).toBe(text.slice(0, 90));
    expect(split.heldOutText).toBe('cccccczzzz');
    expect(split.train.vocab).toEqual(['a', 'b', 'c', 'z']);
    expect(Array.from(split.heldOut)).toEqual([2, 2, 2, 2, 2, 2, 3, 3, 3, 3]);
    // Training windows come from the prefix only: no "z" is ever drawn.
    const windows = split.train.windows({ batchSize: 64, seqLen: 8, seed: 1 });
    expect(Array.from(windows.data() as Int32Array).includes(3)).toBe(false);
  });

  test('splits by code point: astral characters are never cut in half', () => {
    // 40 characters, 22 of them emoji (two UTF-16 units each); the last 4 are held out.
    const text = `${'a😀'.repeat(18)}😀😀🙂🙂`;
    const split = charCorpusSplit(text, { seqLen: 4 });
    expect(split.length).toBe(40);
    expect(split.heldOutText).toBe('😀😀🙂🙂');
    expect(split.train.vocab).toEqual(['a', '😀', '🙂']);
    expect(split.train.decode(split.heldOut)).toBe('😀😀🙂🙂');
    expect(split.train.text + split.heldOutText).toBe(text);
  });

  property.prop([
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 300 }),
    fc.integer({ min: 1, max: 40 }),
    fc.constantFrom(0.05, 0.1, 0.25, 0.5),
  ])('prefix + tail is the text; sizes follow the fraction', (text, seqLen, heldOutFraction) => {
    const chars = Array.from(text);
    if (chars.length < minimumSplitLength(seqLen, heldOutFraction)) {
      expect(() => charCorpusSplit(text, { seqLen, heldOutFraction })).toThrow(CharTextError);
      return;
    }
    const split = charCorpusSplit(text, { seqLen, heldOutFraction });
    const expectedTail = Math.max(2, Math.floor(chars.length * heldOutFraction));
    expect(split.heldOut.length).toBe(expectedTail);
    expect(split.train.length).toBe(chars.length - expectedTail);
    expect(split.train.length).toBeGreaterThanOrEqual(seqLen + 1);
    expect(split.train.text + split.heldOutText).toBe(text);
    expect(split.train.vocab).toEqual(charCorpus(text).vocab);
  });

  test('minimumSplitLength is the shortest text that fits, found by brute force', () => {
    for (const fraction of [0.05, 0.1, 0.5]) {
      for (let seqLen = 1; seqLen <= 64; seqLen++) {
        let shortest = 1;
        while (shortest - heldOutLength(shortest, fraction) < seqLen + 1) shortest++;
        expect(minimumSplitLength(seqLen, fraction)).toBe(shortest);
      }
    }
    expect(minimumSplitLength(32, DEFAULT_HELD_OUT_FRACTION)).toBe(36);
  });

  test('too short, empty and binary texts, and bad options, are refused by name', () => {
    const short = (() => {
      try {
        charCorpusSplit('x'.repeat(35), { seqLen: 32 });
      } catch (e) {
        return e as CharTextError;
      }
    })();
    expect(short).toBeInstanceOf(CharTextError);
    expect(short?.problem).toBe('too-short');
    expect(short?.message).toBe(
      'charCorpusSplit: the text has 35 characters; training windows of 33 characters and a ' +
        'held-out tail of 10% (at least 2 characters) need at least 36.',
    );
    expect(() => charCorpusSplit('x'.repeat(36), { seqLen: 32 })).not.toThrow();
    expect(() => charCorpusSplit('', { seqLen: 4 })).toThrow(/the text is empty/);
    expect(() => charCorpusSplit('\u0001\u0002\u0003abcdefghijklmnop', { seqLen: 4 })).toThrow(
      /looks binary/,
    );
    expect(() => charCorpusSplit('abcdefghij', { seqLen: 0 })).toThrow(
      'charCorpusSplit: seqLen must be an integer from 1 to 16777216; got 0.',
    );
    expect(() => charCorpusSplit('abcdefghij', { seqLen: 2, heldOutFraction: 0.6 })).toThrow(
      'charCorpusSplit: heldOutFraction must be a number in (0, 0.5]; got 0.6.',
    );
  });
});

describe('charCorpus with a given vocabulary', () => {
  test('ids follow the given vocabulary, which must cover the text and be sorted', () => {
    const corpus = charCorpus('bab', { vocab: ['a', 'b', 'c', '😀'] });
    expect(corpus.vocabSize).toBe(4);
    expect(Array.from(corpus.encode('c😀'))).toEqual([2, 3]);
    expect(() => charCorpus('bad', { vocab: ['a', 'b'] })).toThrow(
      `charCorpus: the text's character "d" at position 2 is not in the given vocab of 2 characters`,
    );
    expect(() => charCorpus('ab', { vocab: ['b', 'a'] })).toThrow(
      'charCorpus: vocab[1] must be a character after "b" (sorted by code point, no repeats); got "a".',
    );
    expect(() => charCorpus('ab', { vocab: ['a', 'bc'] })).toThrow(
      'charCorpus: vocab[1] must be one character (code point); got "bc".',
    );
    expect(() => charCorpus('ab', { vocab: [] })).toThrow(DatasetError);
  });
});
