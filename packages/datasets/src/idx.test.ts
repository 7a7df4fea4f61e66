import { fc, test as property } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';
import { DatasetError } from './errors.js';
import {
  encodeIdx,
  idxToSequences,
  isGzip,
  parseIdx,
  parseIdxPair,
  parseIdxUncompressed,
} from './idx.js';

const bytes = (...parts: number[][]): Uint8Array => Uint8Array.from(parts.flat());

/** Three 2×2 images, written byte by byte from the format description (not with encodeIdx). */
const IMAGES = bytes(
  [0x00, 0x00, 0x08, 0x03], // magic 0x00000803: u8, 3 dims
  [0x00, 0x00, 0x00, 0x03], // N = 3
  [0x00, 0x00, 0x00, 0x02], // rows = 2
  [0x00, 0x00, 0x00, 0x02], // cols = 2
  [0, 255, 51, 102],
  [1, 2, 3, 4],
  [255, 255, 0, 0],
);
const LABELS = new Uint8Array([0x00, 0x00, 0x08, 0x01, 0x00, 0x00, 0x00, 0x03, 7, 0, 9]);

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([new Uint8Array(bytes)])
    .stream()
    .pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

describe('IDX parsing', () => {
  test('parses hand-built image and label bytes', () => {
    const images = parseIdxUncompressed(IMAGES);
    expect(images.magic).toBe(0x803);
    expect(images.dims).toEqual([3, 2, 2]);
    expect(Array.from(images.data.slice(0, 4))).toEqual([0, 255, 51, 102]);
    const labels = parseIdxUncompressed(LABELS);
    expect(labels.magic).toBe(0x801);
    expect(Array.from(labels.data)).toEqual([7, 0, 9]);
  });

  test('pixel layout is [N, rows·cols, 1] float32 in [0, 1]; labels int32', () => {
    const { x, y } = idxToSequences(parseIdxUncompressed(IMAGES), parseIdxUncompressed(LABELS));
    expect(x.shape).toEqual([3, 4, 1]);
    expect(x.dtype).toBe('float32');
    expect(y.dtype).toBe('int32');
    expect(Array.from(y.data())).toEqual([7, 0, 9]);
    const first = (x.toArray() as number[][][])[0].map((p) => p[0]);
    expect(first[0]).toBe(0);
    expect(first[1]).toBe(1);
    expect(first[2]).toBeCloseTo(0.2, 6);
    expect(first[3]).toBeCloseTo(0.4, 6);
  });

  test('row layout is [N, rows, cols]', () => {
    const { x } = idxToSequences(parseIdxUncompressed(IMAGES), parseIdxUncompressed(LABELS), {
      layout: 'rows',
    });
    expect(x.shape).toEqual([3, 2, 2]);
    expect((x.toArray() as number[][][])[2]).toEqual([
      [1, 1],
      [0, 0],
    ]);
  });

  property.prop([
    fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 4 }).chain((dims) =>
      fc.tuple(
        fc.constant(dims),
        fc.uint8Array({
          minLength: dims.reduce((a, b) => a * b, 1),
          maxLength: dims.reduce((a, b) => a * b, 1),
        }),
      ),
    ),
  ])('encodeIdx → bytes → parseIdx round trip, plain and gzip-compressed', async ([dims, data]) => {
    const bytes = encodeIdx(dims, data);
    const plain = parseIdxUncompressed(bytes);
    expect(plain.dims).toEqual(dims);
    expect(Array.from(plain.data)).toEqual(Array.from(data));
    const compressed = await gzip(bytes);
    expect(isGzip(compressed)).toBe(true);
    const unzipped = await parseIdx(compressed);
    expect(unzipped.dims).toEqual(dims);
    expect(Array.from(unzipped.data)).toEqual(Array.from(data));
    expect((await parseIdx(bytes)).dims).toEqual(dims);
  });

  test('parseIdxPair reads gzip-compressed files into sequences', async () => {
    const { x, y } = await parseIdxPair(await gzip(IMAGES), LABELS, { layout: 'pixels' });
    expect(x.shape).toEqual([3, 4, 1]);
    expect(Array.from(y.data())).toEqual([7, 0, 9]);
  });

  test('parses an MNIST-sized header (60000 × 28 × 28)', () => {
    const header = new Uint8Array([0, 0, 8, 3, 0, 0, 0xea, 0x60, 0, 0, 0, 28, 0, 0, 0, 28]);
    const bytes = new Uint8Array(header.length + 60000 * 784);
    bytes.set(header);
    expect(parseIdxUncompressed(bytes).dims).toEqual([60000, 28, 28]);
  });
});

describe('IDX validation', () => {
  const cases: [string, Uint8Array, RegExp][] = [
    [
      'a wrong magic number',
      Uint8Array.of(0x01, 0x00, 0x08, 0x03, 0, 0, 0, 0),
      /parseIdx(Uncompressed)?: wrong magic number 0x01000803: an IDX file starts with two zero bytes, a type byte and a dimension count ≥ 1, e\.g\. 0x00000803 for images or 0x00000801 for labels\./,
    ],
    ['zero dimensions', Uint8Array.of(0, 0, 0x08, 0), /wrong magic number 0x00000800/],
    [
      'an unsupported type',
      Uint8Array.of(0, 0, 0x0d, 1, 0, 0, 0, 0),
      /magic number 0x00000d01 has type byte 0x0d \(float32\); only 0x08 \(unsigned byte\)/,
    ],
    [
      'fewer than 4 bytes',
      Uint8Array.of(0, 0),
      /truncated header: got 2 bytes, but an IDX header needs at least 4/,
    ],
    [
      'a truncated header',
      Uint8Array.of(0, 0, 8, 3, 0, 0, 0, 1, 0, 0),
      /truncated header: magic number 0x00000803 declares 3 dimensions, which need 16 header bytes, but only 10 bytes were given\./,
    ],
    [
      'a truncated body',
      IMAGES.slice(0, IMAGES.length - 1),
      /truncated body: dims \[3, 2, 2\] need 12 body bytes after the 16-byte header, but 11 follow\./,
    ],
    [
      'trailing bytes',
      Uint8Array.of(...LABELS, 1),
      /trailing bytes after the body: dims \[3\] need 3 body bytes after the 8-byte header, but 4 follow\./,
    ],
  ];

  test.each(cases)('rejects %s (sync and async)', async (_, bytes, message) => {
    expect(() => parseIdxUncompressed(bytes)).toThrow(DatasetError);
    expect(() => parseIdxUncompressed(bytes)).toThrow(message);
    await expect(parseIdx(bytes)).rejects.toThrow(DatasetError);
    await expect(parseIdx(bytes)).rejects.toThrow(message);
    // A damaged file stays damaged after compression.
    await expect(parseIdx(await gzip(bytes))).rejects.toThrow(message);
  });

  test('names the calling function', async () => {
    expect(() => parseIdxUncompressed(Uint8Array.of(1, 2, 3, 4))).toThrow(
      /^parseIdxUncompressed: /,
    );
    await expect(parseIdx(Uint8Array.of(1, 2, 3, 4))).rejects.toThrow(/^parseIdx: /);
  });

  test('rejects corrupt gzip data', async () => {
    const compressed = await gzip(IMAGES);
    const corrupt = compressed.slice(0, compressed.length - 12);
    await expect(parseIdx(corrupt)).rejects.toThrow(DatasetError);
    await expect(parseIdx(corrupt)).rejects.toThrow(
      /parseIdx: the bytes start with the gzip magic 0x1f 0x8b but could not be decompressed/,
    );
  });

  test('rejects input that is not bytes', async () => {
    expect(() => parseIdxUncompressed([0, 0, 8, 1] as never)).toThrow(
      /parseIdxUncompressed: bytes must be a Uint8Array; got an array of length 4\./,
    );
    await expect(parseIdx('abc' as never)).rejects.toThrow(
      /parseIdx: bytes must be a Uint8Array; got "abc"/,
    );
  });

  test('rejects swapped files, mismatched counts and unknown layouts', () => {
    const images = parseIdxUncompressed(IMAGES);
    const labels = parseIdxUncompressed(LABELS);
    expect(() => idxToSequences(labels, images)).toThrow(DatasetError);
    expect(() => idxToSequences(labels, images)).toThrow(
      /idxToSequences: images must have 3 dimensions \[N, rows, cols\] \(magic 0x00000803\); got dims \[3\] \(magic 0x00000801\)\. Were the images and labels files swapped\?/,
    );
    const twoLabels = parseIdxUncompressed(encodeIdx([2], [1, 2]));
    expect(() => idxToSequences(images, twoLabels)).toThrow(
      /idxToSequences: 3 images but 2 labels/,
    );
    expect(() => idxToSequences(images, labels, { layout: 'columns' as never })).toThrow(
      /idxToSequences: layout must be one of 'pixels', 'rows'; got "columns"\./,
    );
  });

  test('encodeIdx rejects values that are not bytes', () => {
    expect(() => encodeIdx([2], [1, 256])).toThrow(
      /encodeIdx: data\[1\] must be an integer from 0 to 255; got 256/,
    );
    expect(() => encodeIdx([2, 2], [1])).toThrow(
      /encodeIdx: data\.length must be 4, the product of dims; got 1/,
    );
  });
});
