import zlib from 'node:zlib';
import { fc, test as ftest } from '@fast-check/vitest';
import {
  type DType,
  random,
  ShapedArray,
  type Tensor,
  TreeStructureError,
  tensor,
  tree,
} from '@loom/core';
import { describe, expect, test } from 'vitest';
import { f64 } from '../../test/reference.js';
import { lstmCell } from '../cells/lstm.js';
import { adam } from '../optim/alias.js';
import { CheckpointFormatError, CheckpointMismatchError } from './errors.js';
import { checkpointEntries, checkpointMetadata, loadCheckpoint } from './load.js';
import { saveCheckpoint } from './save.js';

const sizeOf = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

const leafArb: fc.Arbitrary<Tensor> = fc
  .record({
    dtype: fc.constantFrom<DType>('float32', 'float64', 'int32', 'bool'),
    shape: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }),
  })
  .chain(({ dtype, shape }) => {
    const n = sizeOf(shape);
    const len = { minLength: n, maxLength: n };
    const values: fc.Arbitrary<number[]> =
      dtype === 'bool'
        ? fc.array(fc.integer({ min: 0, max: 1 }), len)
        : dtype === 'int32'
          ? fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), len)
          : fc.array(fc.double(), len); // includes NaN, ±Infinity and −0
    return values.map((v) => {
      const data =
        dtype === 'float64'
          ? new Float64Array(v)
          : dtype === 'float32'
            ? new Float32Array(v)
            : dtype === 'int32'
              ? new Int32Array(v)
              : new Uint8Array(v);
      return tensor(data, { dtype, shape });
    });
  });

const keyArb = fc.stringMatching(/^[a-z][a-z0-9_]{0,5}$/);
const { node: treeArb } = fc.letrec<{
  node: unknown;
  array: unknown[];
  object: Record<string, unknown>;
}>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafArb,
    tie('array'),
    tie('object'),
  ),
  array: fc.array(tie('node'), { maxLength: 3 }),
  object: fc.dictionary(keyArb, tie('node'), { maxKeys: 3 }),
}));

function expectSameTree(a: unknown, b: unknown): void {
  expect(tree.structure(b).key).toBe(tree.structure(a).key);
  const la = tree.leaves<Tensor>(a);
  const lb = tree.leaves<Tensor>(b);
  la.forEach((x, i) => {
    expect(lb[i].dtype).toBe(x.dtype);
    expect(lb[i].shape).toEqual(x.shape);
    const dx = Array.from(x.data());
    const dy = Array.from(lb[i].data());
    dx.forEach((v, j) => {
      expect(Object.is(v, dy[j])).toBe(true);
    });
  });
}

describe('safetensors round trip', () => {
  ftest.prop([treeArb])(
    'random nesting, shapes and dtypes survive save → load bit for bit',
    (t) => {
      const bytes = saveCheckpoint(t);
      expect((8 + Number(new DataView(bytes.buffer).getBigUint64(0, true))) % 8).toBe(0);
      expectSameTree(t, loadCheckpoint(bytes, t));
    },
  );

  test('params and optimizer state together, named by key path', () => {
    const cfg = { inFeatures: 2, hiddenSize: 3 };
    const params = { cell: lstmCell.init(random.key(0), cfg) };
    const opt = adam(1e-3);
    const state = { params, opt: opt.init(params) };
    const bytes = saveCheckpoint(state, { step: '0', model: 'lstm' });
    const names = checkpointEntries(bytes).map((e) => e.name);
    expect(names).toContain('params.cell.wx');
    expect(names).toContain('opt[0].mu.cell.wh');
    expect(names).toContain('opt[0].count');
    expect(checkpointMetadata(bytes)).toEqual({ step: '0', model: 'lstm' });
    expectSameTree(state, loadCheckpoint(bytes, state));
    // A template of ShapedArrays (no data) works as well.
    const template = tree.map((l) => new ShapedArray(l.shape, l.dtype), state);
    expectSameTree(state, loadCheckpoint(bytes, template));
  });
});

describe('exact bytes', () => {
  test('a tiny tree against a header built by hand', () => {
    const t = { b: tensor([1, -2], { dtype: 'int32' }), a: tensor(1.5), c: null };
    const bytes = saveCheckpoint(t, { format: 'loom' });
    // Digests from zlib (an independent CRC-32) over each tensor's little-endian bytes.
    const crc = (b: number[]) => zlib.crc32(new Uint8Array(b)).toString(16).padStart(8, '0');
    const json =
      `{"__metadata__":{"format":"loom","loom.crc32.a":"${crc([0x00, 0x00, 0xc0, 0x3f])}",` +
      `"loom.crc32.b":"${crc([1, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff])}"},` +
      '"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]},' +
      '"b":{"dtype":"I32","shape":[2],"data_offsets":[4,12]}}';
    const padded = json.padEnd(Math.ceil(json.length / 8) * 8, ' ');
    const n = padded.length;
    const expected = [
      ...[n & 0xff, (n >> 8) & 0xff, 0, 0, 0, 0, 0, 0], // u64 little-endian
      ...Array.from(padded, (ch) => ch.charCodeAt(0)),
      ...[0x00, 0x00, 0xc0, 0x3f], // 1.5 as float32 LE
      ...[0x01, 0x00, 0x00, 0x00], // 1 as int32 LE
      ...[0xfe, 0xff, 0xff, 0xff], // −2 as int32 LE
    ];
    expect(Array.from(bytes)).toEqual(expected);
  });

  test('bool and float64 data layout', () => {
    const bytes = saveCheckpoint({ m: tensor([true, false, true]), x: f64([-0.5]) });
    const tail = Array.from(bytes.slice(bytes.length - 11));
    expect(tail).toEqual([1, 0, 1, 0, 0, 0, 0, 0, 0, 0xe0, 0xbf]);
  });
});

/** Builds a file from a header object and raw data, the way a foreign writer would. */
function rawFile(header: unknown, data: number[] = [], headerText?: string): Uint8Array {
  const text = headerText ?? JSON.stringify(header);
  const json = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

describe('validation errors', () => {
  const model = { w: f64([[1, 2]]), b: f64([3]), steps: tensor(7, { dtype: 'int32' }) };
  const bytes = saveCheckpoint(model);

  test('missing, extra, wrong shape and wrong dtype are all listed in one error', () => {
    const template = {
      w: f64([[1], [2]]), // wrong shape
      steps: tensor(0), // wrong dtype (float32 vs int32)
      extraParam: f64([0]), // missing from the file
    }; // and b is extra in the file
    let error: unknown;
    try {
      loadCheckpoint(bytes, template);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CheckpointMismatchError);
    const msg = (error as Error).message;
    expect(msg).toMatch(/4 problems/);
    expect(msg).toMatch(/missing from the file: extraParam/);
    expect(msg).toMatch(/extra in the file \(not in the template\): b/);
    expect(msg).toMatch(/w: shape \[1, 2\] in the file, template wants \[2, 1\]/);
    expect(msg).toMatch(/steps: dtype I32 \(int32\) in the file, template wants F32 \(float32\)/);
  });

  test.each([
    [
      'missing',
      { w: model.w, b: model.b, steps: model.steps, more: f64([1]) },
      /missing from the file: more/,
    ],
    ['extra', { w: model.w, b: model.b }, /extra in the file \(not in the template\): steps/],
    [
      'wrong shape',
      { ...model, b: f64([1, 2]) },
      /b: shape \[1\] in the file, template wants \[2\]/,
    ],
    [
      'wrong dtype',
      { ...model, b: tensor([1]) },
      /b: dtype F64 \(float64\) in the file, template wants F32/,
    ],
  ])('%s', (_, template, re) => {
    expect(() => loadCheckpoint(bytes, template)).toThrow(CheckpointMismatchError);
    expect(() => loadCheckpoint(bytes, template)).toThrow(re);
  });

  test('truncated bytes', () => {
    expect(() => loadCheckpoint(bytes.slice(0, 5), model)).toThrow(CheckpointFormatError);
    expect(() => loadCheckpoint(bytes.slice(0, 5), model)).toThrow(/truncated file: 5 bytes/);
    expect(() => loadCheckpoint(bytes.slice(0, 20), model)).toThrow(
      /truncated file: the header claims \d+ bytes but only 12 follow/,
    );
    expect(() => loadCheckpoint(bytes.slice(0, bytes.length - 1), model)).toThrow(
      /truncated file: tensor "\w+" ends at data byte \d+ but the data section has only \d+ bytes/,
    );
  });

  test('bad header JSON and malformed entries', () => {
    expect(() => loadCheckpoint(rawFile(null, [], '{"w": {"dtype": "F64",'), model)).toThrow(
      CheckpointFormatError,
    );
    expect(() => loadCheckpoint(rawFile(null, [], '{"w": {"dtype": "F64",'), model)).toThrow(
      /header is not valid UTF-8 JSON/,
    );
    expect(() => loadCheckpoint(rawFile([1, 2]), model)).toThrow(/header must be a JSON object/);
    expect(() =>
      loadCheckpoint(
        rawFile({ w: { dtype: 'BF16', shape: [1], data_offsets: [0, 2] } }, [0, 0]),
        model,
      ),
    ).toThrow(/dtype "BF16"; supported: F32, F64, I32, BOOL/);
    expect(() =>
      loadCheckpoint(
        rawFile({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, [0, 0, 0, 0]),
        model,
      ),
    ).toThrow(/needs 8 bytes but its data_offsets \[0, 4\] span 4/);
    expect(() =>
      loadCheckpoint(rawFile({ w: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }), model),
    ).toThrow(/invalid shape/);
    expect(() => loadCheckpoint(rawFile({ __metadata__: { a: 1 } }), {})).toThrow(
      /__metadata__ must map strings to strings/,
    );
  });

  test('a foreign file with padding and unordered entries loads', () => {
    const data = [
      ...new Uint8Array(new Float32Array([2, 3]).buffer),
      ...new Uint8Array(new Float32Array([1]).buffer),
    ];
    const file = rawFile(
      null,
      data,
      '{"y":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"x":{"dtype":"F32","shape":[],"data_offsets":[8,12]}}   ',
    );
    const t = loadCheckpoint(file, { x: tensor(0), y: tensor([0, 0]) });
    expect(t.x.item()).toBe(1);
    expect(t.y.toArray()).toEqual([2, 3]);
  });

  test('saving rejects non-tensor leaves, colliding names and non-string metadata', () => {
    expect(() => saveCheckpoint({ w: f64([1]), lr: 0.1 })).toThrow(TreeStructureError);
    expect(() => saveCheckpoint({ w: f64([1]), lr: 0.1 })).toThrow(/leaf lr is number/);
    expect(() => saveCheckpoint({ 'a.b': f64([1]), a: { b: f64([2]) } })).toThrow(
      /share the name "a.b"/,
    );
    expect(() => saveCheckpoint({ w: f64([1]) }, { step: 1 as unknown as string })).toThrow(
      /metadata values must be strings/,
    );
  });
});
