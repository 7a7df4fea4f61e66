// The WebAssembly lowering of dynamic_slice / dynamic_update_slice (dynamic_copy.ts): bitwise
// equal to eager execution and to index arithmetic written out by hand, for every window
// position (clamped out-of-range starts included), strided operands, starts carried by a scan,
// vmap, and float32/float64/int32/bool; and compiled as wasm kernels, not host fallbacks.
import { fc, test as property } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';
import {
  dynamicSlice,
  dynamicUpdateSlice,
  flip,
  jit,
  scalar,
  scan,
  type Tensor,
  tensor,
  vmap,
} from '../../index.js';
import type { DType } from '../../tensor/dtype.js';

const wasm = <A extends Tensor[], R>(f: (...a: A) => R) => jit(f, { backend: 'wasm' });

/** The raw bytes of a tensor's elements (bitwise comparison: -0, NaN payloads, int32). */
const bytesOf = (t: Tensor) => {
  const d = t.data();
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
};

function expectBitwise(actual: Tensor, expected: Tensor, what: string): void {
  expect(actual.dtype, what).toBe(expected.dtype);
  expect([...actual.shape], what).toEqual([...expected.shape]);
  expect(bytesOf(actual), what).toEqual(bytesOf(expected));
}

/** Distinct values per element (negative zero and fractions included) in `dtype`. */
function valuesOf(shape: number[], dtype: DType, seed: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = Array.from({ length: n }, (_, i) =>
    dtype === 'int32' ? ((i * 7919 + seed) % 1000) - 500 : i === 0 ? -0 : Math.sin(i + seed) * 10,
  );
  return tensor(data, { shape, dtype });
}

const starts = (xs: readonly number[]) => tensor(new Int32Array(xs));
const clamp = (s: number, dim: number, size: number) => Math.min(Math.max(s, 0), dim - size);

/** Row-major flat index of `index` in `shape`. */
const flat = (index: readonly number[], shape: readonly number[]) =>
  index.reduce((acc, i, d) => acc * shape[d] + i, 0);

/** Every index of `shape`, row-major. */
function* indices(shape: readonly number[]): Generator<number[]> {
  const n = shape.reduce((a, b) => a * b, 1);
  for (let k = 0; k < n; k++) {
    const index: number[] = [];
    let r = k;
    for (let d = shape.length - 1; d >= 0; d--) {
      index.unshift(r % shape[d]);
      r = Math.floor(r / shape[d]);
    }
    yield index;
  }
}

/** Hand-written dynamic_slice: out[i] = x[clamp(s) + i]. */
function sliceByHand(x: Tensor, st: readonly number[], sizes: readonly number[]): number[] {
  const d = x.data();
  const at = st.map((s, k) => clamp(s, x.shape[k], sizes[k]));
  const source = (i: number[]) =>
    flat(
      i.map((v, k) => v + at[k]),
      x.shape,
    );
  return [...indices(sizes)].map((i) => d[source(i)]);
}

/** Hand-written dynamic_update_slice. */
function updateByHand(x: Tensor, u: Tensor, st: readonly number[]): number[] {
  const out = Array.from(x.data());
  const ud = u.data();
  const at = st.map((s, k) => clamp(s, x.shape[k], u.shape[k]));
  const target = (i: number[]) =>
    flat(
      i.map((v, k) => v + at[k]),
      x.shape,
    );
  let j = 0;
  for (const i of indices(u.shape)) out[target(i)] = ud[j++];
  return out;
}

const windowArb = fc
  .array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 3 })
  .chain((shape) =>
    fc.record({
      shape: fc.constant(shape),
      sizes: fc.tuple(...shape.map((n) => fc.integer({ min: 1, max: n }))),
      starts: fc.tuple(...shape.map((n) => fc.integer({ min: -4, max: n + 4 }))),
      dtype: fc.constantFrom<DType>('float32', 'float64', 'int32'),
      seed: fc.nat(100),
    }),
  );

describe('wasm dynamic_slice / dynamic_update_slice', () => {
  property.prop([windowArb], { numRuns: 60 })(
    'equal eager and the hand-written windows, clamped starts included',
    ({ shape, sizes, starts: st, dtype, seed }) => {
      const x = valuesOf(shape, dtype, seed);
      const u = valuesOf(sizes, dtype, seed + 1);
      const s = starts(st);
      const ds = wasm((a: Tensor, i: Tensor) => dynamicSlice(a, i, sizes));
      const got = ds(x, s);
      expectBitwise(got, dynamicSlice(x, s, sizes), 'dynamicSlice vs eager');
      expect(Array.from(got.data())).toEqual(sliceByHand(x, st, sizes));
      const dus = wasm((a: Tensor, b: Tensor, i: Tensor) => dynamicUpdateSlice(a, b, i));
      const upd = dus(x, u, s);
      expectBitwise(upd, dynamicUpdateSlice(x, u, s), 'dynamicUpdateSlice vs eager');
      expect(Array.from(upd.data())).toEqual(updateByHand(x, u, st));
      // The compiled program has no host call for them.
      for (const f of [ds.lower(x, s), dus.lower(x, u, s)]) {
        expect(f.backend).toBe('wasm');
        expect(f.source).toContain('dynamicCopy');
        expect(f.source).not.toContain('fallback');
      }
    },
  );

  test('strided operands (reversed, transposed), starts computed in the program, bool', () => {
    const x = valuesOf([5, 7], 'float32', 3);
    const u = valuesOf([3, 2], 'float32', 4);
    const f = (a: Tensor, b: Tensor, i: Tensor) => [
      dynamicSlice(flip(a).transpose(), [i.mul(2), i.sub(9)], [4, 3]),
      dynamicUpdateSlice(flip(a, 1), flip(b), [i.add(1), i]),
      dynamicUpdateSlice(a.mul(2), b.exp(), [3, i]).add(1),
    ];
    for (const i of [-3, 0, 1, 2, 6]) {
      const args = [x, u, scalar(i, 'int32')] as const;
      const got = wasm(f)(...args);
      f(...args).forEach((e, k) => {
        expectBitwise(got[k], e, `output ${k} at start ${i}`);
      });
    }
    const mask = tensor([1, 0, 0, 1, 1, 0], { shape: [2, 3], dtype: 'bool' });
    const g = (m: Tensor, i: Tensor) => dynamicSlice(m, [0, i], [2, 2]);
    for (const i of [-1, 1, 5]) {
      const s = scalar(i, 'int32');
      expectBitwise(wasm(g)(mask, s), g(mask, s), `bool window at ${i}`);
    }
  });

  test('a moving window inside a scan: the start is the loop carry', () => {
    const xs = valuesOf([10, 6], 'float64', 5);
    // Windows of 3 rows at t - 1 (clamped at both ends), and a running copy written row by row.
    const f = (x: Tensor) =>
      scan(
        (c: { i: Tensor; acc: Tensor }, row: Tensor): [{ i: Tensor; acc: Tensor }, Tensor] => [
          {
            i: c.i.add(1),
            acc: dynamicUpdateSlice(c.acc, row.mul(2).reshape([1, 6]), [c.i, scalar(0, 'int32')]),
          },
          dynamicSlice(x, [c.i.sub(1), scalar(1, 'int32')], [3, 4]),
        ],
        { i: scalar(0, 'int32'), acc: valuesOf([10, 6], 'float64', 0).mul(0) },
        x,
      );
    const [carry, windows] = wasm(f)(xs);
    const [eagerCarry, eagerWindows] = f(xs);
    expectBitwise(windows, eagerWindows, 'stacked windows');
    expectBitwise(carry.acc, eagerCarry.acc, 'the carry written row by row');
    const d = xs.data();
    const expected = Array.from({ length: 10 }, (_, t) =>
      sliceByHand(xs, [t - 1, 1], [3, 4]),
    ).flat();
    expect(Array.from(windows.data())).toEqual(expected);
    expect(Array.from(carry.acc.data())).toEqual(Array.from(d, (v) => v * 2));
    expect(wasm(f).lower(xs).source).not.toContain('fallback');
  });

  test('vmap: batched operand and update with shared starts, and per-example starts', () => {
    const x = valuesOf([4, 6, 5], 'float32', 7);
    const u = valuesOf([4, 2, 3], 'float32', 8);
    const s = scalar(3, 'int32');
    const shared = (a: Tensor, b: Tensor, i: Tensor) =>
      vmap(
        (ai: Tensor, bi: Tensor) => [
          dynamicSlice(ai, [i, i.sub(1)], [2, 3]),
          dynamicUpdateSlice(ai, bi, [i.add(5), i]),
        ],
        { inAxes: [0, 0] },
      )(a, b);
    const got = wasm(shared)(x, u, s);
    shared(x, u, s).forEach((e, k) => {
      expectBitwise(got[k], e, `shared starts, output ${k}`);
    });
    expect(wasm(shared).lower(x, u, s).source).not.toContain('fallback');
    // Per-example starts batch into gathers (which may still call the host); values must agree.
    const each = (a: Tensor, i: Tensor) =>
      vmap((ai: Tensor, ii: Tensor) => dynamicSlice(ai, [ii, 1], [3, 2]))(a, i);
    const per = starts([-2, 1, 2, 9]);
    expectBitwise(wasm(each)(x, per), each(x, per), 'per-example starts');
  });
});
