// The error-message suite for @loom/datasets (issue 13, item 9): bad options, mismatched data and
// corrupt files. Each asserts the error class (DatasetError, an InvalidArgumentError) and that the
// message names the function, the option or file, the offending value and what is allowed.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError, tensor, zeros } from '@loom/core';
import {
  batches,
  binaryAddition,
  charCorpus,
  DatasetError,
  defaultCorpus,
  encodeAdditionPairs,
  encodeIdx,
  fromBits,
  idxToSequences,
  parseIdx,
  parseIdxUncompressed,
  sineSquare,
  sineSquareBase,
  toBits,
} from '@loom/datasets';
import { loadIdxFile, loadIdxPair, loadMnistDir, loadTextFile } from '@loom/datasets/node';
import { describe, expect, test } from 'vitest';
import { errorTable, expectRejection, mistake } from '../../core/test/expect_error.js';

const opts = (o: Record<string, unknown>) => o as never;
const corpus = charCorpus('hello world');
const images = parseIdxUncompressed(encodeIdx([2, 2, 2], [0, 1, 2, 3, 4, 5, 6, 7]));
const labels = parseIdxUncompressed(encodeIdx([2], [0, 1]));
const header = (bytes: number[]) => Uint8Array.from(bytes);

describe('datasets: options', () => {
  errorTable([
    mistake(
      'batches without a batchSize',
      () => batches({ x: zeros([4, 2]) }, opts({})),
      DatasetError,
      'batches',
      'batchSize',
      'got undefined',
    ),
    mistake(
      'batches with a fractional batchSize',
      () => batches({ x: zeros([4, 2]) }, { batchSize: 2.5 }),
      DatasetError,
      'batchSize',
      'an integer from 1',
      'got 2.5',
    ),
    mistake(
      'batches with shuffle but no seed',
      () => batches({ x: zeros([4, 2]) }, { batchSize: 2, shuffle: true }),
      DatasetError,
      'batches',
      'seed',
      'required',
    ),
    mistake(
      'batches with shuffle given as a string',
      () => batches({ x: zeros([4, 2]) }, opts({ batchSize: 2, shuffle: 'yes' })),
      DatasetError,
      'shuffle',
      'true or false',
      '"yes"',
    ),
    mistake(
      'batches with dropRemainder and a batch larger than the data',
      () => batches({ x: zeros([4, 2]) }, { batchSize: 8, dropRemainder: true }),
      DatasetError,
      'batchSize 8',
      '4 examples',
      'batchSize ≤ 4',
    ),
    mistake(
      'batches of inputs and labels with different counts',
      () => batches({ x: zeros([4, 2]), y: zeros([3]) }, { batchSize: 2 }),
      DatasetError,
      'same leading dimension',
      'data.x has shape [4, …]',
      'data.y has shape [3]',
    ),
    mistake(
      'batches of a bare tensor instead of a record',
      () => batches(zeros([4, 2]) as never, { batchSize: 2 }),
      DatasetError,
      'batches',
      'data.',
      'a Tensor',
    ),
    mistake(
      'batches of a scalar column',
      () => batches({ x: zeros([]) }, { batchSize: 1 }),
      DatasetError,
      'data.x',
      'rank ≥ 1',
    ),
    mistake(
      'batches of an array of tensors',
      () => batches([zeros([4])] as never, { batchSize: 2 }),
      DatasetError,
      'data',
      'a record of tensors',
      'an array of length 1',
    ),
    mistake(
      'batches of an empty record',
      () => batches({}, { batchSize: 2 }),
      DatasetError,
      'data',
      'at least one tensor',
    ),
    mistake(
      'batches of zero examples',
      () => batches({ x: zeros([0, 2]) }, { batchSize: 2 }),
      DatasetError,
      'N = 0',
    ),
    mistake(
      'asking batches for a negative epoch',
      () => batches({ x: zeros([4, 2]) }, { batchSize: 2 }).order(-1),
      DatasetError,
      'epoch',
      'got -1',
    ),
    mistake(
      'binaryAddition without a seed',
      () => binaryAddition(opts({ bits: 8 })),
      DatasetError,
      'binaryAddition',
      'seed',
      'required',
    ),
    mistake(
      'binaryAddition with 64 bits',
      () => binaryAddition({ bits: 64, seed: 0 }),
      DatasetError,
      'binaryAddition',
      'bits',
      'from 1 to 30',
      'got 64',
    ),
    mistake(
      'binaryAddition with the seed as a string',
      () => binaryAddition(opts({ seed: '42' })),
      DatasetError,
      'seed',
      '"42"',
    ),
    mistake(
      'binaryAddition batches of size 0',
      () => binaryAddition({ seed: 0 }).batches(0),
      DatasetError,
      'binaryAddition.batches',
      'batchSize',
      'got 0',
    ),
    mistake(
      'binaryAddition splits larger than the distinct pairs',
      () => binaryAddition({ bits: 3, seed: 0 }).splits({ train: 10, test: 10 }),
      DatasetError,
      'binaryAddition.splits',
      'at most 16',
      '10 + 10 = 20',
    ),
    mistake(
      'encodeAdditionPairs with a wrong sum',
      () => encodeAdditionPairs([{ a: 1, b: 2, c: 4 }], 4),
      DatasetError,
      'encodeAdditionPairs',
      'pair 0 has c = 4',
      '1 + 2 = 3',
    ),
    mistake(
      'encodeAdditionPairs with a sum that overflows the bits',
      () => encodeAdditionPairs([{ a: 10, b: 10, c: 20 }], 4),
      DatasetError,
      'pairs[0].c',
      'from 0 to 15',
      'got 20',
    ),
    mistake(
      'toBits of a negative number',
      () => toBits(-1, 8),
      DatasetError,
      'toBits',
      'n',
      'got -1',
    ),
    mistake(
      'fromBits of a 2',
      () => fromBits([1, 0, 2]),
      DatasetError,
      'fromBits',
      'bits[2]',
      '0 or 1',
    ),
    mistake(
      'sineSquare with a train ratio of 1',
      () => sineSquare({ seed: 0, trainRatio: 1 }),
      DatasetError,
      'sineSquare',
      'trainRatio',
      'strictly between 0 and 1',
    ),
    mistake(
      'sineSquare with negative noise',
      () => sineSquare({ seed: 0, noise: -0.1 }),
      DatasetError,
      'noise',
      '≥ 0',
      'got -0.1',
    ),
    mistake(
      'sineSquare so small that the test split is empty',
      () => sineSquare({ seed: 0, perClass: 1, trainRatio: 0.9 }),
      DatasetError,
      'trainRatio 0.9',
      '2 examples',
      'test split empty',
    ),
    mistake(
      'sineSquare over 2^30 values',
      () => sineSquare({ seed: 0, perClass: 100_000, seqLen: 1000, dim: 16 }),
      DatasetError,
      '2^30',
      '2 · 100000 · 1000 · 16',
    ),
    mistake(
      'sineSquareBase of zero steps',
      () => sineSquareBase(0),
      DatasetError,
      'sineSquareBase',
      'seqLen',
      'got 0',
    ),
    mistake(
      'defaultCorpus of length 0',
      () => defaultCorpus({ seed: 0, length: 0 }),
      DatasetError,
      'defaultCorpus',
      'length',
      'got 0',
    ),
    mistake(
      'charCorpus of an empty text',
      () => charCorpus(''),
      DatasetError,
      'charCorpus',
      'text',
      'non-empty string',
    ),
    mistake(
      'charCorpus windows longer than the text',
      () => corpus.windows({ batchSize: 2, seqLen: 32, seed: 0 }),
      DatasetError,
      'charCorpus.windows',
      'text length 11',
      'seqLen = 32',
    ),
    mistake(
      'charCorpus windowStream without a seed',
      () => corpus.windowStream(opts({ batchSize: 2, seqLen: 4 })),
      DatasetError,
      'charCorpus.windows',
      'seed',
    ),
    mistake(
      'encoding a character outside the vocabulary',
      () => corpus.encode('hello!'),
      DatasetError,
      'charCorpus.encode',
      '"!"',
      'U+0021',
      'position 5',
    ),
    mistake(
      'decoding an id past the vocabulary',
      () => corpus.decode([0, 99]),
      DatasetError,
      'charCorpus.decode',
      'ids[1]',
      `from 0 to ${corpus.vocabSize - 1}`,
      'got 99',
    ),
    mistake(
      'decoding float logits instead of ids',
      () => corpus.decode(tensor([0.5])),
      DatasetError,
      'ids[0]',
      'got 0.5',
    ),
  ]);
});

describe('datasets: IDX bytes and files', () => {
  errorTable([
    mistake(
      'an IDX file of int32 values (type byte 0x0c)',
      () => parseIdxUncompressed(header([0, 0, 0x0c, 1, 0, 0, 0, 0])),
      DatasetError,
      'parseIdxUncompressed',
      'type byte 0x0c',
      'int32',
      '0x08 (unsigned byte)',
    ),
    mistake(
      'an IDX header that declares more dimensions than it has',
      () => parseIdxUncompressed(header([0, 0, 8, 3, 0, 0, 0, 1])),
      DatasetError,
      'truncated header',
      '3 dimensions',
      '16 header bytes',
      'only 8',
    ),
    mistake(
      'an IDX file with bytes after the body',
      () => parseIdxUncompressed(header([0, 0, 8, 1, 0, 0, 0, 1, 7, 7])),
      DatasetError,
      'trailing bytes after the body',
      'dims [1]',
      '1 body bytes',
      'but 2 follow',
    ),
    mistake(
      'an IDX file of 2 bytes',
      () => parseIdxUncompressed(header([0, 0])),
      DatasetError,
      'truncated header',
      'got 2 bytes',
      'at least 4',
    ),
    mistake(
      'a text file parsed as IDX',
      () => parseIdxUncompressed(new TextEncoder().encode('hello world!')),
      DatasetError,
      'wrong magic number 0x68656c6c',
      '0x00000803',
    ),
    mistake(
      'encodeIdx with data that does not fill the dims',
      () => encodeIdx([2, 2], [1, 2, 3]),
      DatasetError,
      'encodeIdx',
      'data.length',
      '4, the product of dims',
      'got 3',
    ),
    mistake(
      'encodeIdx of a pixel value 256',
      () => encodeIdx([2], [0, 256]),
      DatasetError,
      'data[1]',
      'from 0 to 255',
      'got 256',
    ),
    mistake(
      'encodeIdx with a fractional dimension',
      () => encodeIdx([1.5], [0]),
      DatasetError,
      'dims[0]',
      'got 1.5',
    ),
    mistake(
      'idxToSequences with the images and labels swapped',
      () => idxToSequences(labels, images),
      DatasetError,
      'idxToSequences',
      'images must have 3 dimensions',
      'dims [2]',
      'swapped',
    ),
    mistake(
      'idxToSequences with labels from another split',
      () => idxToSequences(images, parseIdxUncompressed(encodeIdx([3], [0, 1, 2]))),
      DatasetError,
      '2 images but 3 labels',
      'same split',
    ),
    mistake(
      'idxToSequences with an unknown layout',
      () => idxToSequences(images, labels, opts({ layout: 'columns' })),
      DatasetError,
      'layout',
      "'pixels', 'rows'",
      '"columns"',
    ),
  ]);

  const dir = mkdtempSync(join(tmpdir(), 'loom-error-messages-'));
  const good = join(dir, 'labels-idx1-ubyte');
  const bad = join(dir, 'images-idx3-ubyte');
  writeFileSync(good, encodeIdx([2], [0, 1]));
  writeFileSync(bad, new TextEncoder().encode('<html>not found</html>'));

  test('parseIdx of a gzip header with a damaged stream', async () => {
    const damaged = Uint8Array.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3]);
    await expectRejection(
      () => parseIdx(damaged),
      DatasetError,
      'parseIdx',
      'gzip magic 0x1f 0x8b',
      'damaged or incomplete',
    );
  });
  test('loadIdxFile of a missing file names the path', async () => {
    await expectRejection(
      () => loadIdxFile(join(dir, 'nope')),
      DatasetError,
      'loadIdxFile',
      'cannot read',
      JSON.stringify(join(dir, 'nope')),
    );
  });
  test('loadIdxFile of an HTML error page names the file and the magic number', async () => {
    await expectRejection(
      () => loadIdxFile(bad),
      DatasetError,
      'loadIdxFile',
      JSON.stringify(bad),
      'wrong magic number',
    );
  });
  test('loadIdxPair with one corrupt file names that file, not the other', async () => {
    const err = await expectRejection(
      () => loadIdxPair(bad, good),
      DatasetError,
      JSON.stringify(bad),
    );
    expect(err.message).not.toContain(JSON.stringify(good));
  });
  test('loadMnistDir of a folder with no MNIST files lists all four', async () => {
    await expectRejection(
      () => loadMnistDir(dir),
      DatasetError,
      'loadMnistDir',
      'train-images-idx3-ubyte',
      't10k-labels-idx1-ubyte',
      JSON.stringify(dir),
    );
  });
  test('loadTextFile with an empty path', async () => {
    await expectRejection(
      () => loadTextFile(''),
      InvalidArgumentError,
      'loadTextFile',
      'path',
      'non-empty string',
    );
  });
});
