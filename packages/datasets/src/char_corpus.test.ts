import { fc, test as property } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';
import { charCorpus } from './char_corpus.js';
import { DatasetError } from './errors.js';

const TEXT = 'the quick brown fox jumps over the lazy dog. THE END!\n';

describe('charCorpus', () => {
  test('vocabulary is the sorted unique characters', () => {
    const corpus = charCorpus('banana band');
    expect(corpus.vocab).toEqual([' ', 'a', 'b', 'd', 'n']);
    expect(corpus.vocabSize).toBe(5);
    expect(Array.from(corpus.encode('band'))).toEqual([2, 1, 4, 3]);
    expect(corpus.decode([2, 1, 4, 3])).toBe('band');
  });

  test('characters are code points, sorted by code point', () => {
    // U+1F600 is two UTF-16 units; U+FF01 sorts after it by code unit but before it by code point.
    const corpus = charCorpus('a😀！a');
    expect(corpus.vocab).toEqual(['a', '！', '😀']);
    expect(corpus.length).toBe(4);
    expect(corpus.decode(corpus.encode('😀a！'))).toBe('😀a！');
  });

  property.prop([fc.string({ minLength: 1, unit: 'grapheme' }), fc.nat(), fc.nat()])(
    'decode(encode(s)) == s for every substring of the text',
    (text, i, j) => {
      const corpus = charCorpus(text);
      const chars = Array.from(text);
      const [from, to] = [i % chars.length, j % (chars.length + 1)].sort((a, b) => a - b);
      const s = chars.slice(from, to).join('');
      expect(corpus.decode(corpus.encode(s))).toBe(s);
    },
  );

  property.prop([fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 40 }), fc.integer()])(
    'windows are [B, T + 1] int32 and decode back to substrings of the text',
    (batchSize, seqLen, seed) => {
      fc.pre(seqLen + 1 <= TEXT.length);
      const corpus = charCorpus(TEXT);
      const windows = corpus.windows({ batchSize, seqLen, seed });
      expect(windows.shape).toEqual([batchSize, seqLen + 1]);
      expect(windows.dtype).toBe('int32');
      for (const row of windows.toArray() as number[][]) {
        const s = corpus.decode(row);
        expect(s).toHaveLength(seqLen + 1);
        expect(TEXT.includes(s)).toBe(true);
      }
    },
  );

  test('pins the windows for seed 0 (determinism across runs)', () => {
    const corpus = charCorpus('abcdefghijklmnopqrstuvwxyz');
    expect(corpus.windows({ batchSize: 3, seqLen: 4, seed: 0 }).toArray()).toEqual([
      [7, 8, 9, 10, 11],
      [16, 17, 18, 19, 20],
      [10, 11, 12, 13, 14],
    ]);
  });

  test('windows are deterministic per seed and cover the whole text, including its end', () => {
    const corpus = charCorpus('abcdefgh');
    const w = corpus.windows({ batchSize: 200, seqLen: 3, seed: 1 });
    expect(corpus.windows({ batchSize: 200, seqLen: 3, seed: 1 }).data()).toEqual(w.data());
    expect(corpus.windows({ batchSize: 200, seqLen: 3, seed: 2 }).data()).not.toEqual(w.data());
    const rows = (w.toArray() as number[][]).map((r) => corpus.decode(r));
    expect(new Set(rows)).toEqual(new Set(['abcd', 'bcde', 'cdef', 'defg', 'efgh']));
  });

  test('windowStream starts with windows(options) and keeps going', () => {
    const corpus = charCorpus(TEXT);
    const options = { batchSize: 4, seqLen: 10, seed: 3 };
    const stream = corpus.windowStream(options);
    const first = stream.next().value;
    const second = stream.next().value;
    expect(first.data()).toEqual(corpus.windows(options).data());
    expect(second.data()).not.toEqual(first.data());
  });

  test('decode accepts a tensor', () => {
    const corpus = charCorpus(TEXT);
    const w = corpus.windows({ batchSize: 1, seqLen: 5, seed: 0 });
    expect(corpus.decode(w)).toBe(corpus.decode(Array.from(w.data())));
  });
});

describe('charCorpus validation', () => {
  test('rejects an empty text', () => {
    expect(() => charCorpus('')).toThrow(DatasetError);
    expect(() => charCorpus('')).toThrow(/charCorpus: text must be a non-empty string; got ""\./);
  });

  test('rejects characters and ids outside the vocabulary', () => {
    const corpus = charCorpus('abc');
    expect(() => corpus.encode('abz')).toThrow(DatasetError);
    expect(() => corpus.encode('abz')).toThrow(
      /charCorpus\.encode: character "z" \(U\+007A\) at position 2 is not in the vocabulary of 3 characters/,
    );
    expect(() => corpus.decode([0, 3])).toThrow(
      /charCorpus\.decode: ids\[1\] must be an integer from 0 to 2; got 3\./,
    );
    expect(() => corpus.decode([0.5])).toThrow(/ids\[0\] must be an integer from 0 to 2; got 0\.5/);
  });

  test('rejects bad window options, at the call', () => {
    const corpus = charCorpus('abcdef');
    expect(() => corpus.windows({ batchSize: 2, seqLen: 6, seed: 0 })).toThrow(
      /charCorpus\.windows: seqLen \+ 1 must be at most the text length 6; got seqLen = 6\./,
    );
    expect(() => corpus.windowStream({ batchSize: 0, seqLen: 2, seed: 0 })).toThrow(
      /charCorpus\.windows: batchSize must be an integer from 1 to 16777216; got 0\./,
    );
    expect(() => corpus.windows({ batchSize: 1, seqLen: 2 } as never)).toThrow(
      /charCorpus\.windows: seed must be a safe integer \(it is required\); got undefined/,
    );
  });
});
