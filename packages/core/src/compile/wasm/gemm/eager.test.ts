// SPDX-License-Identifier: MIT
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../errors.js';
import { transpose as layoutTranspose } from '../../../kernels/layout.js';
import { matmul } from '../../../kernels/matmul.js';
import { dotGeneral } from '../../../prims/dot_general.js';
import { resetFeatures } from '../../../runtime/features.js';
import { heap } from '../../../runtime/heap.js';
import { pool } from '../../../runtime/pool.js';
import { setThreads } from '../../../runtime/threads.js';
import { ConcreteTensor } from '../../../tensor/concrete.js';
import { WASM_DOT_MIN_WORK } from './dot_general.js';
import { cachedGemmCount, gemm, wasmGemmAvailable } from './eager.js';
import { type GemmSpec, rowMajorGemm } from './plan.js';

function randomArray(n: number, seed: number): Float64Array {
  let s = seed >>> 0 || 1;
  return Float64Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

/** Row-major [b, m, n] product in float64 with Σ|a||b| per output. */
function reference(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  batch: number,
  m: number,
  k: number,
  n: number,
) {
  const want = new Float64Array(batch * m * n);
  const scale = new Float64Array(batch * m * n);
  for (let bi = 0; bi < batch; bi++)
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        let abs = 0;
        for (let p = 0; p < k; p++) {
          const x = a[bi * m * k + i * k + p] * b[bi * k * n + p * n + j];
          s += x;
          abs += Math.abs(x);
        }
        want[(bi * m + i) * n + j] = s;
        scale[(bi * m + i) * n + j] = abs;
      }
  return { want, scale };
}

function expectWithin(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  scale: ArrayLike<number>,
  tol: number,
) {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    worst = Math.max(worst, Math.abs(got[i] - want[i]) / (tol * scale[i] + Number.MIN_VALUE));
  }
  expect(worst).toBeLessThanOrEqual(1);
}

const plain = rowMajorGemm;

describe('eager wasm gemm', () => {
  it('is available on this platform (Node 20 has SIMD)', () => {
    expect(wasmGemmAvailable()).toBe(true);
  });

  test.prop(
    [
      fc.constantFrom<GemmSpec['dtype']>('float32', 'float64'),
      fc.integer({ min: 1, max: 3 }),
      fc.constantFrom(1, 3, 17, 63, 65),
      fc.constantFrom(1, 3, 17, 63, 65),
      fc.constantFrom(1, 3, 17, 63, 65),
      fc.integer(),
    ],
    { numRuns: 15 },
  )(
    'copies operands of any float type in and C out, through the heap',
    (dtype, batch, m, n, k, seed) => {
      // float64 inputs for a float32 spec are converted on the way in.
      const a = randomArray(batch * m * k, seed);
      const b = randomArray(batch * k * n, seed + 1);
      const before = heap.stats().liveBlocks;
      const c = gemm(plain(batch, m, n, k, dtype), a, b, new Float64Array(batch * m * n));
      expect(heap.stats().liveBlocks).toBe(before);
      const { want, scale } = reference(
        dtype === 'float32' ? Float32Array.from(a) : a,
        dtype === 'float32' ? Float32Array.from(b) : b,
        batch,
        m,
        k,
        n,
      );
      expectWithin(c, want, scale, 2 * (k + 1) * (dtype === 'float32' ? 2 ** -23 : 2 ** -52));
    },
  );

  it('accumulates into C and keeps padding between rows', () => {
    const spec: GemmSpec = {
      ...plain(1, 5, 6, 7, 'float64'),
      accumulate: true,
      c: { rowStride: 9, batchStride: 45 },
    };
    const a = randomArray(35, 1);
    const b = randomArray(42, 2);
    const c0 = randomArray(45, 3);
    const c = gemm(spec, a, b, Float64Array.from(c0));
    const { want } = reference(a, b, 1, 5, 7, 6);
    for (let i = 0; i < 5; i++)
      for (let j = 0; j < 9; j++) {
        const at = i * 9 + j;
        if (j < 6) expect(c[at]).toBeCloseTo(c0[at] + want[i * 6 + j], 12);
        else expect(c[at]).toBe(c0[at]);
      }
  });

  it('names the operand that is too short for its layout', () => {
    const spec = plain(2, 4, 4, 4, 'float32');
    expect(() =>
      gemm(spec, new Float32Array(31), new Float32Array(32), new Float32Array(32)),
    ).toThrow(InvalidArgumentError);
    expect(() =>
      gemm(spec, new Float32Array(32), new Float32Array(32), new Float32Array(3)),
    ).toThrow(/operand c has 3 elements but its layout spans 32 \(batch 2, m 4, n 4, k 4\)/);
  });

  it('gives bitwise equal results on 1 and 2 threads', async () => {
    const spec = plain(1, 300, 300, 300, 'float32');
    const a = Float32Array.from(randomArray(300 * 300, 5));
    const b = Float32Array.from(randomArray(300 * 300, 6));
    try {
      setThreads(1);
      const one = gemm(spec, a, b, new Float32Array(300 * 300));
      const bits = new Uint32Array(one.buffer);
      setThreads(2);
      expect(pool().threads).toBe(2);
      const onWorkers = pool().stats().tasksOnWorkers;
      // Workers start lazily (tens of ms): repeat until one has taken tasks.
      for (let r = 0; r < 100 && pool().stats().tasksOnWorkers === onWorkers; r++) {
        const two = gemm(spec, a, b, new Float32Array(300 * 300));
        expect(new Uint32Array(two.buffer).findIndex((x, i) => x !== bits[i])).toBe(-1);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(pool().stats().tasksOnWorkers).toBeGreaterThan(onWorkers);
    } finally {
      setThreads(1);
    }
  });
});

type Dims = Parameters<typeof dotGeneral>[2];

/** The JavaScript kernel's answer: operands permuted to [batch, free, contract] and multiplied. */
function jsDotGeneral(x: ConcreteTensor, y: ConcreteTensor, d: Dims) {
  const rest = (rank: number, ...used: (readonly number[])[]) =>
    Array.from({ length: rank }, (_, i) => i).filter((i) => !used.some((u) => u.includes(i)));
  const xFree = rest(x.ndim, d.lhsContracting, d.lhsBatch);
  const yFree = rest(y.ndim, d.rhsContracting, d.rhsBatch);
  const size = (t: ConcreteTensor, axes: readonly number[]) =>
    axes.reduce((p, a) => p * t.shape[a], 1);
  const f64 = (t: ConcreteTensor) => Float64Array.from(t.buffer);
  const a = layoutTranspose(
    f64(x),
    x.shape,
    [...d.lhsBatch, ...xFree, ...d.lhsContracting],
    'float64',
  );
  const b = layoutTranspose(
    f64(y),
    y.shape,
    [...d.rhsBatch, ...d.rhsContracting, ...yFree],
    'float64',
  );
  const batch = size(x, d.lhsBatch);
  const [m, k, n] = [size(x, xFree), size(x, d.lhsContracting), size(y, yFree)];
  const out = new Float64Array(batch * m * n);
  matmul(a, b, out, batch, m, k, n);
  const abs = new Float64Array(batch * m * n);
  matmul(a.map(Math.abs), b.map(Math.abs), abs, batch, m, k, n);
  return { want: out, scale: abs, k };
}

describe('eager dot_general on wasm', () => {
  it('falls back to the JavaScript kernel under LOOM_WASM=0', () => {
    const env = (globalThis as { process: { env: Record<string, string | undefined> } }).process
      .env;
    const saved = env.LOOM_WASM;
    const x = new ConcreteTensor(Float64Array.from(randomArray(40 * 41, 1)), [40, 41]);
    const y = new ConcreteTensor(Float64Array.from(randomArray(41 * 42, 2)), [41, 42]);
    const dims = { lhsContracting: [1], rhsContracting: [0], lhsBatch: [], rhsBatch: [] };
    try {
      env.LOOM_WASM = '0';
      resetFeatures();
      expect(wasmGemmAvailable()).toBe(false);
      const before = cachedGemmCount();
      const got = dotGeneral(x, y, dims).data();
      expect(cachedGemmCount()).toBe(before);
      const { want, scale, k } = jsDotGeneral(x, y, dims);
      expectWithin(got, want, scale, 2 * (k + 1) * 2 ** -52);
    } finally {
      if (saved === undefined) delete env.LOOM_WASM;
      else env.LOOM_WASM = saved;
      resetFeatures();
    }
    expect(wasmGemmAvailable()).toBe(true);
  });
  const cases: [string, number[], number[], Dims][] = [
    [
      'A·B',
      [40, 30],
      [30, 50],
      { lhsContracting: [1], rhsContracting: [0], lhsBatch: [], rhsBatch: [] },
    ],
    [
      'Aᵀ·B',
      [30, 40],
      [30, 50],
      { lhsContracting: [0], rhsContracting: [0], lhsBatch: [], rhsBatch: [] },
    ],
    [
      'A·Bᵀ',
      [40, 30],
      [50, 30],
      { lhsContracting: [1], rhsContracting: [1], lhsBatch: [], rhsBatch: [] },
    ],
    [
      'Aᵀ·Bᵀ',
      [30, 40],
      [50, 30],
      { lhsContracting: [0], rhsContracting: [1], lhsBatch: [], rhsBatch: [] },
    ],
    [
      'batched',
      [3, 20, 30],
      [3, 30, 25],
      { lhsContracting: [2], rhsContracting: [1], lhsBatch: [0], rhsBatch: [0] },
    ],
    // Batch axis in the middle of the left operand: its axes do not collapse, so it is permuted.
    [
      'interleaved',
      [20, 3, 30],
      [3, 30, 25],
      { lhsContracting: [2], rhsContracting: [1], lhsBatch: [1], rhsBatch: [0] },
    ],
    [
      'two contracting axes',
      [17, 5, 7],
      [5, 7, 33],
      { lhsContracting: [1, 2], rhsContracting: [0, 1], lhsBatch: [], rhsBatch: [] },
    ],
  ];
  for (const dtype of ['float32', 'float64'] as const) {
    for (const [name, xs, ys, dims] of cases) {
      it(`${name} (${dtype}) equals the JavaScript kernel within rounding`, () => {
        const size = (s: number[]) => s.reduce((p, v) => p * v, 1);
        const Arr = dtype === 'float32' ? Float32Array : Float64Array;
        const x = new ConcreteTensor(Arr.from(randomArray(size(xs), 11)), xs);
        const y = new ConcreteTensor(Arr.from(randomArray(size(ys), 12)), ys);
        const before = cachedGemmCount();
        const got = dotGeneral(x, y, dims).data();
        // The product is above the threshold, so the wasm path ran (a new spec was compiled).
        const { want, scale, k } = jsDotGeneral(x, y, dims);
        expect(want.length * k).toBeGreaterThanOrEqual(WASM_DOT_MIN_WORK);
        expect(cachedGemmCount()).toBe(before + 1);
        expect(got).toBeInstanceOf(Arr);
        expectWithin(got, want, scale, 2 * (k + 1) * (dtype === 'float32' ? 2 ** -23 : 2 ** -52));
      });
    }
  }
});
