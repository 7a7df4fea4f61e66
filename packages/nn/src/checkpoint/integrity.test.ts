// Issue 13 item 4: the loader rejects what safetensors forbids (overlapping, unsorted or gapped
// data_offsets, trailing bytes, a header longer than the file), and Loom's per-tensor CRC-32
// digests name the damaged tensor after any single flipped bit in the data section.
import zlib from 'node:zlib';
import { fc, test as ftest } from '@fast-check/vitest';
import { random, type Tensor, tensor } from '@loom/core';
import { describe, expect, test } from 'vitest';
import { crc32 } from './crc32.js';
import { CheckpointFormatError, CheckpointIntegrityError } from './errors.js';
import { checkpointMetadata, loadCheckpoint } from './load.js';
import { saveCheckpoint } from './save.js';

/** Builds a file from a header object and raw data, the way a foreign writer would. */
function rawFile(header: unknown, dataLength: number): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + dataLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  return out;
}

const f32 = (shape: number[], begin: number, end: number) => ({
  dtype: 'F32',
  shape,
  data_offsets: [begin, end],
});
const template = { a: tensor([0, 0]), b: tensor([0]) };

function formatError(bytes: Uint8Array): string {
  try {
    loadCheckpoint(bytes, template);
  } catch (e) {
    expect(e).toBeInstanceOf(CheckpointFormatError);
    return (e as Error).message;
  }
  throw new Error('expected a CheckpointFormatError');
}

describe('CRC-32', () => {
  test('the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  ftest.prop([fc.uint8Array({ maxLength: 300 })])('agrees with zlib on any bytes', (bytes) => {
    expect(crc32(bytes)).toBe(zlib.crc32(bytes));
  });
});

describe('data_offsets must tile the data section', () => {
  test('overlapping tensors name both and their offsets', () => {
    const msg = formatError(rawFile({ a: f32([2], 0, 8), b: f32([1], 4, 8) }, 8));
    expect(msg).toMatch(
      /tensor "b" with data_offsets \[4, 8\] overlaps tensor "a" with data_offsets \[0, 8\]/,
    );
  });

  test('a gap names the bytes and the tensor after it', () => {
    const msg = formatError(rawFile({ a: f32([2], 0, 8), b: f32([1], 12, 16) }, 16));
    expect(msg).toMatch(
      /gap of 4 bytes before tensor "b" with data_offsets \[12, 16\]: data bytes \[8, 12\) after tensor "a"/,
    );
    expect(formatError(rawFile({ a: f32([2], 4, 12), b: f32([1], 12, 16) }, 16))).toMatch(
      /gap of 4 bytes before tensor "a" .* after the start of the data section/,
    );
  });

  test('unsorted offsets (end before begin)', () => {
    const msg = formatError(rawFile({ a: f32([2], 8, 0), b: f32([1], 8, 12) }, 12));
    expect(msg).toMatch(/tensor "a" has unsorted data_offsets \[8, 0\]/);
  });

  test('trailing bytes after the last tensor', () => {
    const msg = formatError(rawFile({ a: f32([2], 0, 8), b: f32([1], 8, 12) }, 15));
    expect(msg).toMatch(
      /3 trailing bytes: the data section has 15 bytes but the tensors cover only \[0, 12\) \(the last is tensor "b" with data_offsets \[8, 12\]\)/,
    );
    const saved = saveCheckpoint({ a: tensor([1, 2]), b: tensor([3]) });
    const longer = new Uint8Array(saved.length + 1);
    longer.set(saved);
    expect(formatError(longer)).toMatch(/1 trailing bytes/);
  });

  test('a header length beyond the file', () => {
    const bytes = saveCheckpoint(template);
    new DataView(bytes.buffer).setBigUint64(0, 2n ** 40n, true);
    expect(formatError(bytes)).toMatch(
      new RegExp(`the header claims ${2 ** 40} bytes but only ${bytes.length - 8} follow`),
    );
  });

  test('header order does not matter, and zero-size tensors may share an offset', () => {
    const bytes = rawFile(
      { b: f32([1], 8, 12), e: f32([0], 8, 8), a: f32([2], 0, 8), z: f32([0], 12, 12) },
      12,
    );
    const t = { a: tensor([0, 0]), b: tensor([0]), e: tensor([]), z: tensor([]) };
    expect(loadCheckpoint(bytes, t).a.toArray()).toEqual([0, 0]);
  });
});

describe('per-tensor digests', () => {
  const [k1, k2, k3] = random.split(random.key(3), 3);
  const model = {
    w: random.normal(k1, [7, 5]),
    b: random.normal(k2, [5], { dtype: 'float64' }),
    steps: tensor([12], { dtype: 'int32' }),
    mask: tensor([true, false, true]),
    v: random.normal(k3, [3, 4]),
  };
  const bytes = saveCheckpoint(model, { note: 'x' });
  const dataStart = 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, dataStart))) as Record<
    string,
    { data_offsets: [number, number] }
  >;
  const owner = (at: number) =>
    Object.keys(model).find((n) => {
      const [b, e] = header[n].data_offsets;
      return at >= b && at < e;
    })!;

  test('the digests are recorded, hidden from checkpointMetadata, and verify clean', () => {
    const meta = JSON.parse(new TextDecoder().decode(bytes.subarray(8, dataStart))).__metadata__;
    for (const name of Object.keys(model)) {
      const [b, e] = header[name].data_offsets;
      const want = zlib.crc32(bytes.subarray(dataStart + b, dataStart + e));
      expect(meta[`loom.crc32.${name}`]).toBe(want.toString(16).padStart(8, '0'));
    }
    expect(checkpointMetadata(bytes)).toEqual({ note: 'x' });
    const back = loadCheckpoint(bytes, model);
    expect(Array.from(back.w.data())).toEqual(Array.from(model.w.data()));
  });

  ftest.prop([fc.nat(), fc.integer({ min: 0, max: 7 })], { numRuns: 300 })(
    'any single flipped bit in the data section names the damaged tensor',
    (at, bit) => {
      const offset = at % (bytes.length - dataStart);
      const damaged = bytes.slice();
      damaged[dataStart + offset] ^= 1 << bit;
      let error: unknown;
      try {
        loadCheckpoint(damaged, model);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(CheckpointIntegrityError);
      const name = owner(offset);
      const [b, e] = header[name].data_offsets;
      expect((error as Error).message).toContain('1 damaged tensor ');
      expect((error as Error).message).toMatch(
        new RegExp(
          `\\n  ${name} \\(data_offsets \\[${b}, ${e}\\]\\): CRC-32 [0-9a-f]{8}, recorded`,
        ),
      );
    },
  );

  test('every bit of every byte, exhaustively for the small tensors', () => {
    for (const name of ['steps', 'mask']) {
      const [b, e] = header[name].data_offsets;
      for (let at = b; at < e; at++) {
        for (let bit = 0; bit < 8; bit++) {
          const damaged = bytes.slice();
          damaged[dataStart + at] ^= 1 << bit;
          expect(() => loadCheckpoint(damaged, model)).toThrow(
            new RegExp(`\\n  ${name} \\(data_offsets`),
          );
        }
      }
    }
  });

  test('two damaged tensors are both named', () => {
    const damaged = bytes.slice();
    damaged[dataStart + header.w.data_offsets[0]] ^= 4;
    damaged[dataStart + header.v.data_offsets[1] - 1] ^= 128;
    expect(() => loadCheckpoint(damaged, model)).toThrow(/2 damaged tensors/);
    expect(() => loadCheckpoint(damaged, model)).toThrow(/\n {2}w \(data_offsets/);
    expect(() => loadCheckpoint(damaged, model)).toThrow(/\n {2}v \(data_offsets/);
  });

  test('a damaged digest value is reported, files without digests load', () => {
    const text = new TextDecoder().decode(bytes.subarray(8, dataStart));
    const digest = JSON.parse(text).__metadata__['loom.crc32.b'] as string;
    const edited = bytes.slice();
    edited.set(new TextEncoder().encode(text.replace(digest, 'zzzzzzzz')), 8);
    expect(() => loadCheckpoint(edited, model)).toThrow(
      /loom\.crc32\.b: the digest "zzzzzzzz" is not 8 hex digits/,
    );
    // The same file as a foreign writer would produce it: no __metadata__ digests.
    const foreign = rawFile({ a: f32([2], 0, 8), b: f32([1], 8, 12) }, 12);
    new Float32Array(foreign.buffer, foreign.length - 12, 3).set([1, 2, 3]);
    const t: { a: Tensor; b: Tensor } = loadCheckpoint(foreign, template);
    expect([...(t.a.toArray() as number[]), ...(t.b.toArray() as number[])]).toEqual([1, 2, 3]);
  });

  test('metadata keys with the digest prefix are refused when saving', () => {
    expect(() => saveCheckpoint(model, { 'loom.crc32.w': '0' })).toThrow(
      /metadata key "loom\.crc32\.w" uses the prefix loom\.crc32\., reserved/,
    );
  });
});
