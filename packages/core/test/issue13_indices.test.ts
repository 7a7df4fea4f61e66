// Issue 13 item 5: out-of-range indices and labels. Concrete → IndexError naming the op, the
// value, its flat and multi-index and the valid range; traced (jit, vmap, jit(grad)) → NaN for
// float results (JAX's mode='fill'), never another row's data or a plausible finite number.
import { fc, test as ftest } from '@fast-check/vitest';
import {
  grad,
  IndexError,
  InvalidArgumentError,
  jit,
  oneHot,
  scatterAdd,
  sum,
  type Tensor,
  take,
  tensor,
  vmap,
} from '@loom/core';
import { describe, expect, test } from 'vitest';
import { i32, sizeOf, unravel } from './arbitraries.js';

function errorOf(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

/** Reference rows of `table` [n, f] at `ids`, NaN rows where an id is out of range. */
function refTake(table: number[][], ids: number[]): number[][] {
  return ids.map((i) => (i >= 0 && i < table.length ? table[i] : table[0].map(() => Number.NaN)));
}

const table = [
  [1, 2],
  [3, 4],
  [5, 6],
];
const f64 = (rows: number[][]) => tensor(rows, { dtype: 'float64' });

describe('eager: a typed error naming op, value, position and range', () => {
  ftest.prop([
    fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 }),
    fc.integer({ min: 1, max: 5 }),
    fc.nat(),
    fc.oneof(fc.integer({ min: -20, max: -1 }), fc.integer({ min: 0, max: 20 })),
  ])('take, scatterAdd and oneHot on any index shape', (shape, n, at, offset) => {
    const size = sizeOf(shape);
    const flat = at % size;
    // An index outside [0, n): negative ones as they are, others shifted to ≥ n.
    const bad = offset < 0 ? offset : n + offset;
    const data = Array.from({ length: size }, (_, i) => (i === flat ? bad : i % n));
    const ids = i32(data, shape);
    const multi = `[${unravel(flat, shape).join(', ')}]`;
    const x = tensor(Array.from({ length: n }, (_, i) => i));
    for (const [op, run] of [
      ['take', () => take(x, ids)],
      ['oneHot', () => oneHot(ids, n)],
      ['scatterAdd', () => scatterAdd(tensor(new Float32Array(size), { shape }), ids, [n])],
    ] as const) {
      const e = errorOf(run);
      expect(e).toBeInstanceOf(IndexError);
      expect(e).toBeInstanceOf(InvalidArgumentError);
      expect(e.message).toBe(
        `${op}: index ${bad} at flat position ${flat} (multi-index ${multi}) of ` +
          `int32[${shape.join(',')}] is out of range for an axis of size ${n}: valid values ` +
          `are 0 to ${n - 1}.`,
      );
    }
  });

  test('several bad values: the first is named and the count given', () => {
    const e = errorOf(() => take(f64(table), i32([0, 7, -1, 2], [2, 2])));
    expect(e.message).toMatch(/take: index 7 at flat position 1 \(multi-index \[0, 1\]\)/);
    expect(e.message).toMatch(/\(2 of 4 values are out of range\)/);
  });

  test('an axis of size 0 has no valid index', () => {
    expect(() => take(tensor(new Float32Array(0), { shape: [0, 2] }), [0])).toThrow(
      /axis of size 0: no value is valid/,
    );
  });

  test('grad with concrete (closed-over) indices still checks eagerly', () => {
    const ids = i32([1, 3], [2]);
    expect(() => grad((t: Tensor) => sum(take(t, ids)))(f64(table))).toThrow(IndexError);
  });
});

describe('traced: NaN, never a finite number', () => {
  test('jit(take): out-of-range rows are NaN, the rest exact (the fallback kernel agrees)', () => {
    const ids = [2, 3, 0, -1, 100];
    const out = jit((t: Tensor, i: Tensor) => take(t, i))(f64(table), i32(ids, [5]));
    expect(out.toArray()).toEqual(refTake(table, ids));
  });

  test('jit(take) fills int32 with the most negative int32 and bool with true', () => {
    const ints = tensor([[1], [2]], { dtype: 'int32' });
    expect(jit((t: Tensor, i: Tensor) => take(t, i))(ints, i32([1, 5], [2])).toArray()).toEqual([
      [2],
      [-(2 ** 31)],
    ]);
    const bools = tensor([[false], [false]]);
    expect(jit((t: Tensor, i: Tensor) => take(t, i))(bools, i32([0, -3], [2])).toArray()).toEqual([
      [false],
      [true],
    ]);
  });

  test('take along an inner axis under jit', () => {
    const x = f64(table); // [3, 2]; take columns
    const out = jit((t: Tensor, i: Tensor) => take(t, i, 1))(x, i32([1, 2], [2]));
    expect(out.toArray()).toEqual(table.map((r) => [r[1], Number.NaN]));
  });

  test('vmap with batched operand and indices: no example reads another one’s rows', () => {
    // Example b's table is table + 10·b; flattened to [B·n, f] by the batching rule, an index n
    // of example 0 would otherwise read example 1's row 0.
    const tables = [0, 1].map((b) => table.map((r) => r.map((v) => v + 10 * b)));
    const ids = [
      [3, 1],
      [-1, 2],
    ];
    const out = vmap((t: Tensor, i: Tensor) => take(t, i))(
      tensor(tables, { dtype: 'float64' }),
      jit((i: Tensor) => i)(i32(ids.flat(), [2, 2])),
    );
    expect(out.toArray()).toEqual(tables.map((t, b) => refTake(t, ids[b])));
  });

  test('vmap with batched indices only, inside jit', () => {
    const ids = [
      [0, 9],
      [2, 1],
    ];
    const out = jit(vmap((i: Tensor) => take(f64(table), i)))(i32(ids.flat(), [2, 2]));
    expect(out.toArray()).toEqual(ids.map((r) => refTake(table, r)));
  });

  test('jit(grad): the loss is NaN and the bad index adds nothing to the gradient', () => {
    const ids = [0, 5, 0, 2];
    const loss = (t: Tensor, i: Tensor) => sum(take(t, i));
    const value = jit(loss)(f64(table), i32(ids, [4]));
    expect(Number.isNaN(value.item())).toBe(true);
    const g = jit(grad(loss))(f64(table), i32(ids, [4]));
    // d/dt sum(take(t, i)) counts how often each in-range row is taken.
    const counts = table.map((_, r) => ids.filter((i) => i === r).length);
    expect(g.toArray()).toEqual(counts.map((c) => [c, c]));
  });

  test('jit(oneHot): an out-of-range label gives a NaN row for floats, zeros for int32', () => {
    const labels = i32([1, 4, -2], [3]);
    const f = jit((l: Tensor) => oneHot(l, 3, 'float64'));
    expect(f(labels).toArray()).toEqual([
      [0, 1, 0],
      [Number.NaN, Number.NaN, Number.NaN],
      [Number.NaN, Number.NaN, Number.NaN],
    ]);
    const g = jit((l: Tensor) => oneHot(l, 3, 'int32'));
    expect(g(labels).toArray()).toEqual([
      [0, 1, 0],
      [0, 0, 0],
      [0, 0, 0],
    ]);
    // In-range labels are unchanged by the guard.
    expect(f(i32([2, 0], [2])).toArray()).toEqual([
      [0, 0, 1],
      [1, 0, 0],
    ]);
  });
});
