// SPDX-License-Identifier: MIT
/**
 * A text split for a character model: the training prefix as a corpus, and the last part held out
 * to measure perplexity. Both use the vocabulary of the whole text, so every held-out character
 * has an id, and the split falls between code points, never inside a surrogate pair.
 */
import { type CharCorpus, charCorpus } from './char_corpus.js';
import { CharTextError, checkCharText, type TextSource } from './char_text.js';
import { optionError } from './errors.js';

/** Options of `charCorpusSplit` (and `charCorpusFromFile` in `@loom/datasets/node`). */
export interface CharSplitOptions {
  /** Training window length T: the prefix must hold one window of T + 1 characters. */
  readonly seqLen: number;
  /** Share of the text held out at its end, in (0, 0.5]; default `DEFAULT_HELD_OUT_FRACTION`. */
  readonly heldOutFraction?: number;
}

/** A training prefix and a held-out tail over one vocabulary. */
export interface CharCorpusSplit {
  /** The first part of the text, with the vocabulary of the whole text. */
  readonly train: CharCorpus;
  /** Ids (in `train`'s vocabulary) of the held-out tail, in order. */
  readonly heldOut: Int32Array;
  /** The held-out tail as text. */
  readonly heldOutText: string;
  /** Characters (code points) of the whole text. */
  readonly length: number;
}

/** The share of a text `charCorpusSplit` holds out by default: its last 10%. */
export const DEFAULT_HELD_OUT_FRACTION = 0.1;

/** The held-out tail has at least two characters: one predicted from the other. */
export const MIN_HELD_OUT_CHARACTERS = 2;

/** Characters held out of a text of `length` characters. */
export function heldOutLength(length: number, fraction: number): number {
  return Math.max(MIN_HELD_OUT_CHARACTERS, Math.floor(length * fraction));
}

/**
 * The shortest text that splits into a training prefix of `seqLen + 1` characters and a held-out
 * tail of `fraction` of the text (at least `MIN_HELD_OUT_CHARACTERS`).
 */
export function minimumSplitLength(seqLen: number, fraction: number): number {
  let length = seqLen + 1 + MIN_HELD_OUT_CHARACTERS;
  while (length - heldOutLength(length, fraction) < seqLen + 1) length++;
  return length;
}

/** `charCorpusSplit` with the function and source its errors name (the Node loader's path). */
export function splitCharText(
  text: string,
  options: CharSplitOptions,
  where: Required<TextSource>,
): CharCorpusSplit {
  const { fn, source } = where;
  const o: Partial<CharSplitOptions> = options ?? {};
  const seqLen = o.seqLen;
  if (typeof seqLen !== 'number' || !Number.isInteger(seqLen) || seqLen < 1 || seqLen > 2 ** 24) {
    throw optionError(fn, 'seqLen', seqLen, 'an integer from 1 to 16777216');
  }
  const fraction = o.heldOutFraction ?? DEFAULT_HELD_OUT_FRACTION;
  if (typeof fraction !== 'number' || !(fraction > 0 && fraction <= 0.5)) {
    throw optionError(fn, 'heldOutFraction', fraction, 'a number in (0, 0.5]');
  }
  checkCharText(text, where);
  const chars = Array.from(text);
  const minimum = minimumSplitLength(seqLen, fraction);
  if (chars.length < minimum) {
    throw new CharTextError(
      fn,
      source,
      'too-short',
      `has ${chars.length} characters; training windows of ${seqLen + 1} characters and a ` +
        `held-out tail of ${100 * fraction}% (at least ${MIN_HELD_OUT_CHARACTERS} characters) ` +
        `need at least ${minimum}.`,
    );
  }
  const cut = chars.length - heldOutLength(chars.length, fraction);
  const vocab = charCorpus(text).vocab;
  const train = charCorpus(chars.slice(0, cut).join(''), { vocab });
  const heldOutText = chars.slice(cut).join('');
  return { train, heldOut: train.encode(heldOutText), heldOutText, length: chars.length };
}

/**
 * Splits `text` for a character model: checks it (`checkCharText`: not empty, not binary), holds
 * out its last `heldOutFraction` (default 10%, at least 2 characters) and returns the training
 * prefix as a `CharCorpus` and the tail's ids, both over the vocabulary of the whole text. Throws
 * a `CharTextError` (problem `'too-short'`) when the prefix cannot hold one window of
 * `seqLen + 1` characters.
 * @example
 * const { train, heldOut } = charCorpusSplit(defaultCorpus({ seed: 0 }), { seqLen: 32 });
 * const batch = train.windows({ batchSize: 16, seqLen: 32, seed: 0 }); // int32 [16, 33]
 * heldOut.length; // 13107: the last 10% of 131072 characters
 */
export function charCorpusSplit(text: string, options: CharSplitOptions): CharCorpusSplit {
  return splitCharText(text, options, { fn: 'charCorpusSplit', source: 'the text' });
}
