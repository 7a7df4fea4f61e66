// SPDX-License-Identifier: MIT
/**
 * Character-level corpora for next-character prediction. A "character" is a Unicode code point,
 * not a UTF-16 unit, so an emoji is one token and is never split into two unpaired surrogates.
 */
import { type Tensor, tensor } from '@loom/core';
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import { DatasetError, optionError } from './errors.js';
import { splitmix32 } from './prng.js';
import { ensure, integerIn, nonEmptyString, orThrow, seedOf, type Validation } from './validate.js';

/** Options of `CharCorpus.windows` and `CharCorpus.windowStream`. */
export interface WindowOptions {
  /** Windows per batch B. */
  readonly batchSize: number;
  /** Input length T; each window holds T + 1 characters (inputs and shifted targets). */
  readonly seqLen: number;
  /** Any safe integer. Required. */
  readonly seed: number;
}

/** A text with its vocabulary and codecs. */
export interface CharCorpus {
  readonly text: string;
  /** The distinct characters, sorted by code point; a character's id is its index here. */
  readonly vocab: readonly string[];
  readonly vocabSize: number;
  /** The text length in characters (code points). */
  readonly length: number;
  /** Ids of the characters of `s`; throws a `DatasetError` for a character not in the vocabulary. */
  encode(s: string): Int32Array;
  /** The string of ids (a tensor is read in row-major order); throws for an unknown id. */
  decode(ids: ArrayLike<number> | Tensor): string;
  /**
   * B random windows of T + 1 consecutive characters as an int32 tensor [B, T + 1]: feed
   * [:, :T] and predict [:, 1:]. Start positions are uniform over the whole text.
   */
  windows(options: WindowOptions): Tensor;
  /** An endless stream of such batches; its first batch equals `windows(options)`. */
  windowStream(options: WindowOptions): Generator<Tensor, never, undefined>;
}

/** Options of `charCorpus`. */
export interface CharCorpusOptions {
  /**
   * The vocabulary to use instead of the text's own: distinct single characters sorted by code
   * point that include every character of the text. A training prefix and a held-out tail then
   * share one vocabulary (see `charCorpusSplit`).
   */
  readonly vocab?: readonly string[];
}

/** Code-point order, unlike `Array.prototype.sort`'s UTF-16 order for characters above U+FFFF. */
function byCodePoint(a: string, b: string): number {
  return a.codePointAt(0)! - b.codePointAt(0)!;
}

/** Checks the window options against a text of `length` characters. */
export function validateWindowOptions(
  options: Partial<WindowOptions> | undefined,
  length: number,
): Validation<WindowOptions> {
  const fn = 'charCorpus.windows';
  const o = options ?? {};
  return pipe(
    E.Do,
    E.apS('batchSize', integerIn(fn, 'batchSize', o.batchSize, 1, 2 ** 24)),
    E.apS('seqLen', integerIn(fn, 'seqLen', o.seqLen, 1, 2 ** 24)),
    E.apS('seed', seedOf(fn, o.seed)),
    E.flatMap((v) =>
      ensure(
        v,
        v.seqLen + 1 <= length,
        () =>
          new DatasetError(
            `${fn}: seqLen + 1 must be at most the text length ${length}; got seqLen = ` +
              `${v.seqLen}. Use a shorter seqLen or a longer text.`,
          ),
      ),
    ),
  );
}

/** Checks a given vocabulary: single code points, strictly increasing, covering `chars`. */
function checkVocab(vocab: unknown, chars: readonly string[]): readonly string[] {
  const fn = 'charCorpus';
  if (!Array.isArray(vocab) || vocab.length === 0) {
    throw optionError(fn, 'vocab', vocab, 'a non-empty array of characters');
  }
  for (let i = 0; i < vocab.length; i++) {
    const c: unknown = vocab[i];
    if (typeof c !== 'string' || c.length === 0 || Array.from(c).length !== 1) {
      throw optionError(fn, `vocab[${i}]`, c, 'one character (code point)');
    }
    if (i > 0 && byCodePoint(vocab[i - 1], c) >= 0) {
      throw optionError(
        fn,
        `vocab[${i}]`,
        c,
        `a character after ${JSON.stringify(vocab[i - 1])} (sorted by code point, no repeats)`,
      );
    }
  }
  const known = new Set(vocab as string[]);
  const position = chars.findIndex((c) => !known.has(c));
  if (position >= 0) {
    throw new DatasetError(
      `${fn}: the text's character ${JSON.stringify(chars[position])} at position ${position} is ` +
        `not in the given vocab of ${vocab.length} characters; the vocab must cover the text.`,
    );
  }
  return vocab as string[];
}

/**
 * Builds a character corpus from `text` (non-empty): vocabulary of its sorted unique characters
 * (or `options.vocab`), `encode`/`decode`, and seeded random windows for next-character
 * prediction.
 * @example
 * const corpus = charCorpus(defaultCorpus({ seed: 0 }));
 * const batch = corpus.windows({ batchSize: 32, seqLen: 64, seed: step }); // int32 [32, 65]
 */
export function charCorpus(text: string, options: CharCorpusOptions = {}): CharCorpus {
  const source = orThrow(nonEmptyString('charCorpus', 'text', text));
  const chars = Array.from(source);
  const vocab =
    options.vocab === undefined
      ? [...new Set(chars)].sort(byCodePoint)
      : checkVocab(options.vocab, chars);
  const index = new Map(vocab.map((c, i) => [c, i]));
  const ids = Int32Array.from(chars, (c) => index.get(c)!);

  const encode = (s: string): Int32Array => {
    if (typeof s !== 'string') throw optionError('charCorpus.encode', 's', s, 'a string');
    const out: number[] = [];
    let position = 0;
    for (const c of s) {
      const id = index.get(c);
      if (id === undefined) {
        throw new DatasetError(
          `charCorpus.encode: character ${JSON.stringify(c)} (U+${c
            .codePointAt(0)!
            .toString(16)
            .toUpperCase()
            .padStart(4, '0')}) at position ${position} is not in the vocabulary of ` +
            `${vocab.length} characters; only characters of the corpus text can be encoded.`,
        );
      }
      out.push(id);
      position++;
    }
    return Int32Array.from(out);
  };

  const decode = (input: ArrayLike<number> | Tensor): string => {
    const values: ArrayLike<number> = isTensor(input) ? input.data() : input;
    let out = '';
    for (let i = 0; i < values.length; i++) {
      const id = values[i];
      if (!(Number.isInteger(id) && id >= 0 && id < vocab.length)) {
        throw optionError(
          'charCorpus.decode',
          `ids[${i}]`,
          id,
          `an integer from 0 to ${vocab.length - 1}`,
        );
      }
      out += vocab[id];
    }
    return out;
  };

  function* windowStream(options: WindowOptions): Generator<Tensor, never, undefined> {
    const { batchSize, seqLen, seed } = orThrow(validateWindowOptions(options, ids.length));
    const width = seqLen + 1;
    const starts = ids.length - width + 1;
    const rng = splitmix32(seed);
    while (true) {
      const out = new Int32Array(batchSize * width);
      for (let b = 0; b < batchSize; b++) {
        const start = rng.nextInt(starts);
        out.set(ids.subarray(start, start + width), b * width);
      }
      yield tensor(out, { shape: [batchSize, width] });
    }
  }

  return {
    text: source,
    vocab,
    vocabSize: vocab.length,
    length: ids.length,
    encode,
    decode,
    windows: (options) => {
      // Validate eagerly: a generator body would only run (and throw) on the first next().
      orThrow(validateWindowOptions(options, ids.length));
      return windowStream(options).next().value;
    },
    windowStream: (options) => {
      orThrow(validateWindowOptions(options, ids.length));
      return windowStream(options);
    },
  };
}

function isTensor(x: ArrayLike<number> | Tensor): x is Tensor {
  return typeof (x as Partial<Tensor>).data === 'function' && !('length' in x);
}
