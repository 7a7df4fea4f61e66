// The WebAssembly lowering of gather and scatter_add (gather.ts): generated kernels, not host
// fallbacks, bitwise equal to loops written out here for every axis, dtype and index pattern
// (repeats, out-of-range indices: gather fills, scatter_add drops), and inside a scan whose
// indices move each step.
import { fc, test as property } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';
import { jit, scan, scatterAdd, type Tensor, take, tensor } from '../../index.js';
import { fillValue } from '../../prims/index_range.js';
import type { DType } from '../../tensor/dtype.js';

const wasm = <A extends Tensor[], R>(f: (...a: A) => R) => jit(f, { backend: 'wasm' });

/** Raw bytes (bitwise comparison: -0, NaN, int32). */
const bytesOf = (t: Tensor | ArrayLike<number>, dtype: DType) => {
  const d = 'data' in t ? (t as Tensor).data() : t;
  const typed =
    dtype === 'float32'
      ? Float32Array.from(d as ArrayLike<number>)
      : dtype === 'float64'
        ? Float64Array.from(d as ArrayLike<number>)
        : dtype === 'int32'
          ? Int32Array.from(d as ArrayLike<number>)
          : Uint8Array.from(d as ArrayLike<number>);
  return new Uint8Array(typed.buffer);
};

const around = (shape: readonly number[], axis: number) => ({
  outer: shape.slice(0, axis).reduce((a, b) => a * b, 1),
  n: shape[axis],
  inner: shape.slice(axis + 1).reduce((a, b) => a * b, 1),
});

/** take(x, idx, axis) by hand, out-of-range slices filled. */
function gatherByHand(x: Tensor, idx: readonly number[], axis: number): number[] {
  const d = x.data();
  const { outer, n, inner } = around(x.shape, axis);
  const out: number[] = [];
  for (let o = 0; o < outer; o++)
    for (const i of idx)
      for (let t = 0; t < inner; t++)
        out.push(i >= 0 && i < n ? d[(o * n + i) * inner + t] : fillValue(x.dtype));
  return out;
}

/** scatterAdd by hand in the eager kernel's order (float32 sums rounded each step). */
function scatterByHand(u: Tensor, idx: readonly number[], shape: number[], axis: number) {
  const d = u.data();
  const { outer, n, inner } = around(shape, axis);
  const k = idx.length;
  const round =
    u.dtype === 'float32'
      ? Math.fround
      : u.dtype === 'int32'
        ? (v: number) => v | 0
        : (v: number) => v;
  const out = new Array<number>(outer * n * inner).fill(0);
  for (let o = 0; o < outer; o++)
    idx.forEach((i, j) => {
      if (i < 0 || i >= n) return;
      for (let t = 0; t < inner; t++) {
        const at = (o * n + i) * inner + t;
        out[at] = round(out[at] + d[(o * k + j) * inner + t]);
      }
    });
  return out;
}

function valuesOf(shape: number[], dtype: DType, seed: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = Array.from({ length: n }, (_, i) =>
    dtype === 'int32'
      ? ((i * 7919 + seed) % 1000) - 500
      : dtype === 'bool'
        ? (i + seed) % 3 === 0
          ? 1
          : 0
        : i === 0
          ? -0
          : Math.sin(i + seed) * 10,
  );
  return tensor(data, { shape, dtype });
}

const shapeAndAxis = fc
  .array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 3 })
  .chain((shape) => fc.tuple(fc.constant(shape), fc.integer({ min: 0, max: shape.length - 1 })));

describe('gather and scatter_add in wasm', () => {
  property.prop(
    [
      shapeAndAxis,
      fc.constantFrom<DType>('float32', 'float64', 'int32', 'bool'),
      fc.array(fc.integer({ min: -3, max: 8 }), { minLength: 1, maxLength: 9 }),
      fc.integer({ min: 0, max: 99 }),
    ],
    { numRuns: 60 },
  )(
    'take: bitwise the hand-written gather, out-of-range indices filled',
    ([shape, axis], dtype, idx, seed) => {
      const x = valuesOf(shape, dtype, seed);
      const f = wasm((a: Tensor, i: Tensor) => take(a, i, axis));
      const ids = tensor(new Int32Array(idx));
      const got = f(x, ids);
      expect([...got.shape]).toEqual([
        ...shape.slice(0, axis),
        idx.length,
        ...shape.slice(axis + 1),
      ]);
      expect(bytesOf(got, dtype)).toEqual(bytesOf(gatherByHand(x, idx, axis), dtype));
    },
  );

  property.prop(
    [
      shapeAndAxis,
      fc.constantFrom<DType>('float32', 'float64', 'int32'),
      fc.array(fc.integer({ min: -3, max: 8 }), { minLength: 1, maxLength: 9 }),
      fc.integer({ min: 0, max: 99 }),
    ],
    { numRuns: 60 },
  )(
    'scatterAdd: bitwise the hand-written sums in index order, out-of-range dropped',
    ([shape, axis], dtype, idx, seed) => {
      const uShape = [...shape.slice(0, axis), idx.length, ...shape.slice(axis + 1)];
      const u = valuesOf(uShape, dtype, seed);
      const f = wasm((v: Tensor, i: Tensor) => scatterAdd(v, i, shape, axis));
      const got = f(u, tensor(new Int32Array(idx)));
      expect([...got.shape]).toEqual(shape);
      expect(bytesOf(got, dtype)).toEqual(bytesOf(scatterByHand(u, idx, shape, axis), dtype));
    },
  );

  test('are generated kernels, not calls of the eager kernels', () => {
    const table = valuesOf([44, 32], 'float32', 1);
    const ids = tensor(new Int32Array([3, 0, 43, 3]));
    const lookup = wasm((t: Tensor, i: Tensor) => take(t, i, 0));
    const grad = wasm((u: Tensor, i: Tensor) => scatterAdd(u, i, [44, 32], 0));
    const sources = [
      lookup.lower(table, ids).source,
      grad.lower(valuesOf([4, 32], 'float32', 2), ids).source,
    ];
    expect(sources[0]).toMatch(/gather float32\[44,32\] axis 0 by int32\[4\]/);
    expect(sources[1]).toMatch(/scatterAdd float32\[4,32\] by int32\[4\] into float32\[44,32\]/);
    for (const s of sources) expect(s).not.toContain('fallback');
  });

  test('inside a scan, each step gathering and scattering by its own indices', () => {
    const table = valuesOf([7, 5], 'float32', 3);
    const steps = [
      [0, 6, 6],
      [2, -1, 7],
      [5, 5, 1],
    ];
    const f = wasm((t: Tensor, ids: Tensor) =>
      scan(
        (acc: Tensor, i: Tensor) => {
          const rows = take(t, i, 0); // [3, 5]
          return [acc.add(scatterAdd(rows.mul(2), i, [7, 5], 0)), rows];
        },
        t.mul(0),
        ids,
      ),
    );
    const [acc, ys] = f(table, tensor(new Int32Array(steps.flat()), { shape: [3, 3] }));
    const want = steps.flatMap((idx) => gatherByHand(table, idx, 0));
    expect(bytesOf(ys, 'float32')).toEqual(bytesOf(want, 'float32'));
    const sum = new Array<number>(35).fill(0);
    for (const idx of steps) {
      const rows = tensor(
        gatherByHand(table, idx, 0).map((v) => Math.fround(v * 2)),
        { shape: [3, 5] },
      );
      scatterByHand(rows, idx, [7, 5], 0).forEach((v, i) => {
        sum[i] = Math.fround(sum[i] + v);
      });
    }
    expect(bytesOf(acc, 'float32')).toEqual(bytesOf(sum, 'float32'));
  });
});
