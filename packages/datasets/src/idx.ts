// SPDX-License-Identifier: MIT
/**
 * The IDX format of MNIST and Fashion-MNIST, parsed from bytes so it works in browsers as well as
 * Node (the Node entry only adds reading files). Header: two zero bytes, a type byte (0x08 for
 * unsigned bytes, the only type these datasets use), the number of dimensions, then each dimension
 * as a big-endian u32; the body follows in row-major order.
 */
import { type Tensor, tensor } from '@loom/core';
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import { DatasetError, optionError } from './errors.js';
import { oneOf, orThrow, type Validation } from './validate.js';

/** Magic number of an IDX file of u8 images [N, rows, cols]. */
export const IDX_IMAGES_MAGIC = 0x00000803;
/** Magic number of an IDX file of u8 labels [N]. */
export const IDX_LABELS_MAGIC = 0x00000801;

const U8 = 0x08;
const TYPE_NAMES: Readonly<Record<number, string>> = {
  8: 'unsigned byte',
  9: 'signed byte',
  11: 'int16',
  12: 'int32',
  13: 'float32',
  14: 'float64',
};

/** A parsed IDX array of unsigned bytes. */
export interface IdxArray {
  /** The 32-bit magic number, e.g. 0x00000803 for images. */
  readonly magic: number;
  readonly dims: readonly number[];
  /** The body, row-major; a view into the input bytes when they were not compressed. */
  readonly data: Uint8Array;
}

/** How images become sequences: one pixel per step [N, rows·cols, 1], or one row [N, rows, cols]. */
export type PixelLayout = 'pixels' | 'rows';

/** Options of the IDX-to-sequence conversion. */
export interface IdxSequenceOptions {
  /** 'pixels' (default): [N, 784, 1] for MNIST; 'rows': [N, 28, 28]. */
  readonly layout?: PixelLayout;
}

/** Images as float32 sequences in [0, 1] and labels as int32 [N]. */
export interface IdxSequences {
  readonly x: Tensor;
  readonly y: Tensor;
}

const hex = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

function header(fn: string, bytes: Uint8Array): Validation<{ magic: number; dims: number[] }> {
  if (bytes.length < 4) {
    return E.left(
      new DatasetError(
        `${fn}: truncated header: got ${bytes.length} bytes, but an IDX header needs at least 4 ` +
          '(two zero bytes, a type byte, a dimension count).',
      ),
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  if (bytes[0] !== 0 || bytes[1] !== 0 || bytes[3] === 0) {
    return E.left(
      new DatasetError(
        `${fn}: wrong magic number ${hex(magic)}: an IDX file starts with two zero bytes, a type ` +
          `byte and a dimension count ≥ 1, e.g. ${hex(IDX_IMAGES_MAGIC)} for images or ` +
          `${hex(IDX_LABELS_MAGIC)} for labels.`,
      ),
    );
  }
  if (bytes[2] !== U8) {
    const name = TYPE_NAMES[bytes[2]] ?? 'unknown type';
    return E.left(
      new DatasetError(
        `${fn}: magic number ${hex(magic)} has type byte 0x${bytes[2].toString(16).padStart(2, '0')} ` +
          `(${name}); only 0x08 (unsigned byte), as in MNIST and Fashion-MNIST, is supported.`,
      ),
    );
  }
  const ndims = bytes[3];
  const headerLength = 4 + 4 * ndims;
  if (bytes.length < headerLength) {
    return E.left(
      new DatasetError(
        `${fn}: truncated header: magic number ${hex(magic)} declares ${ndims} dimensions, ` +
          `which need ${headerLength} header bytes, but only ${bytes.length} bytes were given.`,
      ),
    );
  }
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i, false));
  return E.right({ magic, dims });
}

function body(
  fn: string,
  bytes: Uint8Array,
  head: { magic: number; dims: number[] },
): Validation<IdxArray> {
  const offset = 4 + 4 * head.dims.length;
  const expected = head.dims.reduce((a, b) => a * b, 1);
  const actual = bytes.length - offset;
  if (actual !== expected) {
    const what = actual < expected ? 'truncated body' : 'trailing bytes after the body';
    return E.left(
      new DatasetError(
        `${fn}: ${what}: dims [${head.dims.join(', ')}] need ${expected} body bytes after the ` +
          `${offset}-byte header, but ${actual} follow. The file is damaged or incomplete.`,
      ),
    );
  }
  return E.right({ magic: head.magic, dims: head.dims, data: bytes.subarray(offset) });
}

function checkBytes(fn: string, bytes: unknown): Validation<Uint8Array> {
  return bytes instanceof Uint8Array
    ? E.right(bytes)
    : E.left(optionError(fn, 'bytes', bytes, 'a Uint8Array'));
}

function parseWith(fn: string, bytes: unknown): IdxArray {
  return orThrow(
    pipe(
      checkBytes(fn, bytes),
      E.flatMap((b) =>
        pipe(
          header(fn, b),
          E.flatMap((h) => body(fn, b, h)),
        ),
      ),
    ),
  );
}

/**
 * Parses uncompressed IDX bytes (unsigned-byte type only). Throws a `DatasetError` for a wrong
 * magic number, an unsupported type, or a header/body shorter or longer than the dims declare.
 */
export function parseIdxUncompressed(bytes: Uint8Array): IdxArray {
  return parseWith('parseIdxUncompressed', bytes);
}

/** True when `bytes` starts with the gzip magic 0x1f 0x8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Decompresses gzip bytes with the standard `DecompressionStream` (browsers, Node ≥ 18). */
export async function gunzip(bytes: Uint8Array, fn = 'gunzip'): Promise<Uint8Array> {
  if (typeof DecompressionStream !== 'function') {
    throw new DatasetError(
      `${fn}: the bytes are gzip-compressed, but this runtime has no DecompressionStream; ` +
        'decompress them first and call parseIdxUncompressed.',
    );
  }
  // Copy so the stream owns a plain ArrayBuffer-backed chunk, whatever `bytes` views.
  const input = new Uint8Array(bytes);
  const stream = new ReadableStream<Uint8Array<ArrayBuffer>>({
    start(controller) {
      controller.enqueue(input);
      controller.close();
    },
  }).pipeThrough(new DecompressionStream('gzip'));
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    const reader = stream.getReader();
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.length;
    }
  } catch (cause) {
    throw new DatasetError(
      `${fn}: the bytes start with the gzip magic 0x1f 0x8b but could not be decompressed ` +
        `(${cause instanceof Error ? cause.message : String(cause)}); the file is damaged or ` +
        'incomplete.',
      { cause },
    );
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/**
 * Parses IDX bytes, gunzipping them first when they start with the gzip magic 0x1f 0x8b (as the
 * distributed `.gz` files do). Async only because decompression streams are.
 */
export async function parseIdx(bytes: Uint8Array): Promise<IdxArray> {
  const fn = 'parseIdx';
  const raw = orThrow(checkBytes(fn, bytes));
  return parseWith(fn, isGzip(raw) ? await gunzip(raw, fn) : raw);
}

/**
 * Serialises an unsigned-byte array to IDX bytes (uncompressed): the inverse of
 * `parseIdxUncompressed`, handy for tests and for writing small datasets.
 */
export function encodeIdx(dims: readonly number[], data: ArrayLike<number>): Uint8Array {
  const fn = 'encodeIdx';
  if (!(dims.length >= 1 && dims.length <= 255)) {
    throw optionError(fn, 'dims.length', dims.length, 'an integer from 1 to 255');
  }
  dims.forEach((d, i) => {
    if (!(Number.isInteger(d) && d >= 0 && d < 2 ** 32)) {
      throw optionError(fn, `dims[${i}]`, d, 'an integer from 0 to 2^32 − 1');
    }
  });
  const size = dims.reduce((a, b) => a * b, 1);
  if (data.length !== size) {
    throw optionError(fn, 'data.length', data.length, `${size}, the product of dims`);
  }
  const offset = 4 + 4 * dims.length;
  const out = new Uint8Array(offset + size);
  const view = new DataView(out.buffer);
  out[2] = U8;
  out[3] = dims.length;
  dims.forEach((d, i) => {
    view.setUint32(4 + 4 * i, d, false);
  });
  for (let i = 0; i < size; i++) {
    const v = data[i];
    if (!(Number.isInteger(v) && v >= 0 && v <= 255)) {
      throw optionError(fn, `data[${i}]`, v, 'an integer from 0 to 255');
    }
    out[offset + i] = v;
  }
  return out;
}

/**
 * Turns parsed IDX images [N, rows, cols] and labels [N] into sequences: x float32 in [0, 1]
 * (pixel / 255) shaped [N, rows·cols, 1] ('pixels', one pixel per time step, row-major) or
 * [N, rows, cols] ('rows', one row per step); y int32 [N].
 */
export function idxToSequences(
  images: IdxArray,
  labels: IdxArray,
  options: IdxSequenceOptions = {},
): IdxSequences {
  const fn = 'idxToSequences';
  const layout = orThrow(oneOf(fn, 'layout', options.layout ?? 'pixels', ['pixels', 'rows']));
  if (images.dims.length !== 3) {
    throw new DatasetError(
      `${fn}: images must have 3 dimensions [N, rows, cols] (magic ${hex(IDX_IMAGES_MAGIC)}); ` +
        `got dims [${images.dims.join(', ')}] (magic ${hex(images.magic)}). Were the images and ` +
        'labels files swapped?',
    );
  }
  if (labels.dims.length !== 1) {
    throw new DatasetError(
      `${fn}: labels must have 1 dimension [N] (magic ${hex(IDX_LABELS_MAGIC)}); got dims ` +
        `[${labels.dims.join(', ')}] (magic ${hex(labels.magic)}). Were the images and labels ` +
        'files swapped?',
    );
  }
  const [n, rows, cols] = images.dims;
  if (labels.dims[0] !== n) {
    throw new DatasetError(
      `${fn}: ${n} images but ${labels.dims[0]} labels; the two files must come from the same split.`,
    );
  }
  const x = new Float32Array(images.data.length);
  for (let i = 0; i < x.length; i++) x[i] = images.data[i] / 255;
  const y = Int32Array.from(labels.data);
  const shape = layout === 'pixels' ? [n, rows * cols, 1] : [n, rows, cols];
  return { x: tensor(x, { shape }), y: tensor(y, { shape: [n] }) };
}

/**
 * Parses an images file and a labels file (each plain or gzip-compressed) into sequences; see
 * `idxToSequences` for the layouts.
 */
export async function parseIdxPair(
  imagesBytes: Uint8Array,
  labelsBytes: Uint8Array,
  options: IdxSequenceOptions = {},
): Promise<IdxSequences> {
  const [images, labels] = await Promise.all([parseIdx(imagesBytes), parseIdx(labelsBytes)]);
  return idxToSequences(images, labels, options);
}
