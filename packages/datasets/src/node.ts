// SPDX-License-Identifier: MIT
/**
 * `@loom/datasets/node`: reading dataset files by path. Kept out of the main entry because
 * `node:fs` does not exist in browsers; everything here is a thin shell around the byte parsers.
 *
 * @module @loom/datasets/node
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type CharCorpusSplit, type CharSplitOptions, splitCharText } from './char_split.js';
import { CharTextError, decodeCharText } from './char_text.js';
import { DatasetError, optionError } from './errors.js';
import {
  type IdxArray,
  type IdxSequenceOptions,
  type IdxSequences,
  idxToSequences,
  parseIdx,
} from './idx.js';
import { nonEmptyString, orThrow } from './validate.js';

async function readBytes(fn: string, path: string): Promise<Uint8Array> {
  orThrow(nonEmptyString(fn, 'path', path));
  try {
    const buffer = await readFile(path);
    // A plain Uint8Array view, so nothing downstream sees Node's Buffer.
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch (cause) {
    throw new DatasetError(
      `${fn}: cannot read ${JSON.stringify(path)}: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
}

/**
 * Reads a UTF-8 text file, e.g. for `charCorpus`. A leading byte-order mark is dropped so it does
 * not become a vocabulary character.
 * @example
 * const corpus = charCorpus(await loadTextFile('input.txt'));
 */
export async function loadTextFile(path: string): Promise<string> {
  const bytes = await readBytes('loadTextFile', path);
  const text = new TextDecoder('utf-8').decode(bytes);
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}

/**
 * Reads a UTF-8 text file and splits it for a character model (`charCorpusSplit`): the training
 * prefix as a `CharCorpus` and the ids of the held-out tail (last 10% by default), over the
 * vocabulary of the whole file. The file is read as bytes and refused with a `CharTextError`
 * naming the path and the reason (`problem`) when it cannot be read (`'unreadable'`), is empty,
 * holds a NUL byte or invalid UTF-8 or mostly control characters (a binary file), or is too short
 * for one training window of `seqLen + 1` characters plus the held-out tail.
 * @example
 * const { train, heldOut } = await charCorpusFromFile('input.txt', { seqLen: 32 });
 * train.vocabSize; // distinct code points of the whole file
 */
export async function charCorpusFromFile(
  path: string,
  options: CharSplitOptions,
): Promise<CharCorpusSplit> {
  const fn = 'charCorpusFromFile';
  orThrow(nonEmptyString(fn, 'path', path));
  const source = JSON.stringify(path);
  let bytes: Uint8Array;
  try {
    const buffer = await readFile(path);
    bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new CharTextError(fn, source, 'unreadable', `cannot be read: ${reason}`, { cause });
  }
  const text = decodeCharText(bytes, { fn, source });
  return splitCharText(text, options, { fn, source });
}

/** Reads and parses one IDX file, gzip-compressed or not. */
export async function loadIdxFile(path: string): Promise<IdxArray> {
  const bytes = await readBytes('loadIdxFile', path);
  try {
    return await parseIdx(bytes);
  } catch (cause) {
    // parseIdx sees only bytes; name the file, so a bad one among the four MNIST files is found.
    if (!(cause instanceof DatasetError)) throw cause;
    throw new DatasetError(`loadIdxFile: ${JSON.stringify(path)}: ${cause.message}`, { cause });
  }
}

/**
 * Reads an images file and a labels file (each plain or `.gz`) into float32 sequences in [0, 1]
 * ([N, 784, 1] with layout 'pixels', [N, 28, 28] with 'rows' for MNIST) and int32 labels [N].
 */
export async function loadIdxPair(
  imagesPath: string,
  labelsPath: string,
  options: IdxSequenceOptions = {},
): Promise<IdxSequences> {
  const [images, labels] = await Promise.all([loadIdxFile(imagesPath), loadIdxFile(labelsPath)]);
  return idxToSequences(images, labels, options);
}

/** Train and test sets of an MNIST-style directory. */
export interface MnistSplits {
  readonly train: IdxSequences;
  readonly test: IdxSequences;
}

/** The standard file stems; each is tried plain, with `.gz`, and in the dotted variant. */
const MNIST_STEMS = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** File names tried for a stem, in order. */
function candidates(stem: string): string[] {
  const dotted = stem.replace(/-(idx\d-ubyte)$/, '.$1');
  return [stem, `${stem}.gz`, dotted, `${dotted}.gz`];
}

/** The first candidate name for `stem` that is a file in `dir`, if any. */
async function findFile(dir: string, stem: string): Promise<string | undefined> {
  for (const name of candidates(stem)) {
    const path = join(dir, name);
    try {
      if ((await stat(path)).isFile()) return path;
    } catch {
      // Missing is the expected case for all but one candidate.
    }
  }
  return undefined;
}

/**
 * Loads MNIST or Fashion-MNIST from a directory holding the four standard files
 * (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte,
 * t10k-labels-idx1-ubyte), each optionally gzipped (`.gz`).
 * @example
 * const dir = '/usr/share/datasets/fashion-mnist';
 * const { train, test } = await loadMnistDir(dir, { layout: 'rows' });
 * train.x.shape; // [60000, 28, 28] float32 in [0, 1]; train.y: int32 [60000]
 */
export async function loadMnistDir(
  dir: string,
  options: IdxSequenceOptions = {},
): Promise<MnistSplits> {
  const fn = 'loadMnistDir';
  if (typeof dir !== 'string' || dir.length === 0) {
    throw optionError(fn, 'dir', dir, 'a non-empty directory path');
  }
  const stems = [
    MNIST_STEMS.trainImages,
    MNIST_STEMS.trainLabels,
    MNIST_STEMS.testImages,
    MNIST_STEMS.testLabels,
  ];
  const paths = await Promise.all(stems.map((stem) => findFile(dir, stem)));
  const missing = stems.filter((_, i) => paths[i] === undefined);
  if (missing.length > 0) {
    // All missing files in one message, so a half-copied directory is diagnosed in one go.
    throw new DatasetError(
      `${fn}: no ${missing.join(', ')} in ${JSON.stringify(dir)}; for each, tried the name as ` +
        `is, with .gz, and dotted (e.g. ${candidates(missing[0]).join(', ')}). Point dir at a ` +
        'folder with the four MNIST-format files (e.g. where a dataset-fashion-mnist package ' +
        'installs them).',
    );
  }
  const [trainImages, trainLabels, testImages, testLabels] = paths as string[];
  const [train, test] = await Promise.all([
    loadIdxPair(trainImages, trainLabels, options),
    loadIdxPair(testImages, testLabels, options),
  ]);
  return { train, test };
}
