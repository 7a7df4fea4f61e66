// SPDX-License-Identifier: MIT
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../errors.js';
import { features } from '../../../runtime/features.js';
import { ModuleBuilder } from '../builder.js';
import { emitGemm, emitPrepackB } from './driver.js';
import { type GemmSpec, packedBBytes, planGemm } from './plan.js';

type Form = 'AB' | 'AtB' | 'ABt' | 'AtBt';

interface Case {
  readonly spec: GemmSpec;
  readonly a: Float64Array;
  readonly b: Float64Array;
  readonly c0: Float64Array;
}

/** A spec whose operands are stored as `form` says (Aᵀ: A held as k×m, Bᵀ: B held as n×k). */
function specFor(
  dtype: GemmSpec['dtype'],
  form: Form,
  batch: number,
  m: number,
  n: number,
  k: number,
  accumulate: boolean,
  cPad = 0,
): GemmSpec {
  const aT = form === 'AtB' || form === 'AtBt';
  const bT = form === 'ABt' || form === 'AtBt';
  return {
    dtype,
    batch,
    m,
    n,
    k,
    a: aT
      ? { rowStride: 1, colStride: m, batchStride: m * k }
      : { rowStride: k, colStride: 1, batchStride: m * k },
    b: bT
      ? { rowStride: 1, colStride: k, batchStride: k * n }
      : { rowStride: n, colStride: 1, batchStride: k * n },
    c: { rowStride: n + cPad, batchStride: m * (n + cPad) },
    accumulate,
    fma: false,
  };
}

function randomCase(spec: GemmSpec, seed: number): Case {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) / 2 ** 32) * 2 - 1;
  };
  const fill = (len: number) => Float64Array.from({ length: len }, next);
  return {
    spec,
    a: fill(spec.batch * spec.m * spec.k),
    b: fill(spec.batch * spec.k * spec.n),
    c0: fill(spec.batch * spec.c.batchStride),
  };
}

/** float64 reference and Σ|a||b| per output (the scale of float32 rounding). */
function reference({ spec, a, b, c0 }: Case): { want: Float64Array; scale: Float64Array } {
  const want = Float64Array.from(c0);
  const scale = new Float64Array(c0.length);
  for (let bi = 0; bi < spec.batch; bi++) {
    for (let i = 0; i < spec.m; i++) {
      for (let j = 0; j < spec.n; j++) {
        let sum = 0;
        let abs = 0;
        for (let p = 0; p < spec.k; p++) {
          const x = a[bi * spec.a.batchStride + i * spec.a.rowStride + p * spec.a.colStride];
          const y = b[bi * spec.b.batchStride + p * spec.b.rowStride + j * spec.b.colStride];
          sum += x * y;
          abs += Math.abs(x * y);
        }
        const at = bi * spec.c.batchStride + i * spec.c.rowStride + j;
        want[at] = (spec.accumulate ? c0[at] : 0) + sum;
        scale[at] = abs + (spec.accumulate ? Math.abs(c0[at]) : 0);
      }
    }
  }
  return { want, scale };
}

type Entry = (t0: number, t1: number, a: number, b: number, c: number, s: number) => void;

/**
 * Compiles the spec, copies the operands in, runs `splits` (task ranges) in order, returns C.
 * With `packedB` in the spec, B is first packed whole by `emitPrepackB`'s function.
 */
function run(cs: Case, splits?: (tasks: number) => [number, number][]): Float64Array {
  const { spec } = cs;
  const mb = new ModuleBuilder().importMemory({ initial: 1 });
  const kernel = emitGemm(mb, spec);
  mb.export(kernel.fn, 'gemm');
  if (spec.packedB) mb.export(emitPrepackB(mb, spec), 'prepack');
  const Arr = spec.dtype === 'float32' ? Float32Array : Float64Array;
  const e = Arr.BYTES_PER_ELEMENT;
  const align = (x: number) => Math.ceil(x / 64) * 64;
  const aPtr = 64;
  const bPtr = align(aPtr + cs.a.length * e);
  const cPtr = align(bPtr + cs.b.length * e);
  // Guard elements after C catch stores past the tile.
  const guard = 16;
  const sPtr = align(cPtr + (cs.c0.length + guard) * e);
  const packedPtr = align(sPtr + kernel.scratchBytes);
  const bytes = packedPtr + (spec.packedB ? packedBBytes(spec) : 0);
  const memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / 65536) + 1 });
  new Arr(memory.buffer, aPtr, cs.a.length).set(cs.a);
  new Arr(memory.buffer, bPtr, cs.b.length).set(cs.b);
  const c = new Arr(memory.buffer, cPtr, cs.c0.length + guard);
  c.set(cs.c0);
  c.fill(777, cs.c0.length);
  const inst = new WebAssembly.Instance(new WebAssembly.Module(mb.build()), { env: { memory } });
  const gemm = inst.exports.gemm as Entry;
  if (spec.packedB) (inst.exports.prepack as (src: number, dst: number) => void)(bPtr, packedPtr);
  for (const [t0, t1] of splits?.(kernel.tasks) ?? [[0, kernel.tasks]]) {
    gemm(t0, t1, aPtr, spec.packedB ? packedPtr : bPtr, cPtr, sPtr);
  }
  for (let i = cs.c0.length; i < c.length; i++) expect(c[i]).toBe(777);
  return Float64Array.from(c.subarray(0, cs.c0.length));
}

function expectClose(cs: Case, got: Float64Array): void {
  const { want, scale } = reference(cs);
  const eps = cs.spec.dtype === 'float32' ? 2 ** -23 : 2 ** -52;
  const factor = 2 * (cs.spec.k + 2) * eps;
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const padding = i % cs.spec.c.rowStride >= cs.spec.n;
    const err = Math.abs(got[i] - want[i]);
    if (padding) {
      expect(got[i]).toBe(cs.spec.dtype === 'float32' ? Math.fround(cs.c0[i]) : cs.c0[i]);
    } else {
      worst = Math.max(worst, err / (factor * scale[i] + Number.MIN_VALUE));
    }
  }
  expect(worst).toBeLessThanOrEqual(1);
}

const forms: Form[] = ['AB', 'AtB', 'ABt', 'AtBt'];
const edge = fc.constantFrom(1, 3, 17, 63, 65);

describe('emitGemm', () => {
  test.prop(
    [
      fc.constantFrom<GemmSpec['dtype']>('float32', 'float64'),
      fc.constantFrom(...forms),
      fc.integer({ min: 1, max: 3 }),
      fc.oneof(edge, fc.integer({ min: 1, max: 40 })),
      fc.oneof(edge, fc.integer({ min: 1, max: 40 })),
      fc.oneof(edge, fc.integer({ min: 1, max: 40 })),
      fc.boolean(),
      fc.integer({ min: 0, max: 3 }),
      fc.integer(),
    ],
    { numRuns: 60 },
  )(
    'matches a float64 reference for every layout',
    (dtype, form, batch, m, n, k, acc, pad, seed) => {
      const cs = randomCase(specFor(dtype, form, batch, m, n, k, acc, pad), seed);
      expectClose(cs, run(cs));
    },
  );

  test.prop(
    [
      fc.constantFrom<GemmSpec['dtype']>('float32', 'float64'),
      fc.constantFrom(...forms),
      fc.oneof(edge, fc.integer({ min: 1, max: 20 })),
      fc.oneof(edge, fc.integer({ min: 1, max: 20 })),
      // Odd and even depths, and 257: two K blocks of 129 and 128.
      fc.oneof(fc.constantFrom(1, 2, 3, 257), fc.integer({ min: 1, max: 40 })),
      fc.boolean(),
      fc.integer(),
    ],
    { numRuns: 40 },
  )(
    'sums each output in k order, rounding every product and sum (bitwise, without FMA)',
    (dtype, form, m, n, k, acc, seed) => {
      const cs = randomCase(specFor(dtype, form, 1, m, n, k, acc), seed);
      const { spec, a, b, c0 } = cs;
      const round = dtype === 'float32' ? Math.fround : (x: number) => x;
      const want = Float64Array.from(c0, round);
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          const at = i * spec.c.rowStride + j;
          let sum = acc ? want[at] : 0;
          for (let p = 0; p < k; p++) {
            const x = round(a[i * spec.a.rowStride + p * spec.a.colStride]);
            const y = round(b[p * spec.b.rowStride + j * spec.b.colStride]);
            sum = round(sum + round(x * y));
          }
          want[at] = sum;
        }
      }
      expect(Array.from(run(cs))).toEqual(Array.from(want));
    },
  );

  it('handles sizes past the K block, column block and row block (257; 131 rows: Aᵀ packed)', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      for (const form of forms) {
        const cs = randomCase(specFor(dtype, form, 1, 131, 257, 257, form === 'ABt'), 7);
        expectClose(cs, run(cs));
      }
    }
  });

  it('splits into tasks over columns, rows and batch', () => {
    const mb = new ModuleBuilder().importMemory({ initial: 1 });
    const wide = emitGemm(mb, specFor('float32', 'AB', 1, 512, 512, 512, false));
    expect(wide.tasks).toBeGreaterThanOrEqual(2);
    expect(wide.flops).toBe(2 * 512 ** 3);
    const batched = emitGemm(mb, specFor('float64', 'AB', 100, 8, 8, 8, false));
    expect(batched.tasks).toBeGreaterThan(1);
    expect(batched.tasks).toBeLessThanOrEqual(64);
  });

  test.prop(
    [
      fc.constantFrom<GemmSpec['dtype']>('float32', 'float64'),
      fc.constantFrom(...forms),
      fc.integer({ min: 1, max: 5 }),
      fc.integer({ min: 1, max: 300 }),
      fc.integer({ min: 1, max: 300 }),
      fc.integer({ min: 1, max: 300 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.integer(),
    ],
    { numRuns: 12 },
  )(
    'gives bitwise equal C for any split of its tasks',
    (dtype, form, batch, m, n, k, cut, seed) => {
      const cs = randomCase(specFor(dtype, form, batch, m, n, k, true), seed);
      const whole = run(cs);
      const split = run(cs, (tasks) => {
        const at = Math.floor(cut * tasks);
        // Second half first: the order of tasks must not matter either.
        return [
          [at, tasks],
          [0, at],
        ];
      });
      // Bitwise: compare the bytes, and name the first differing output if any.
      const differs = new Uint8Array(split.buffer).findIndex(
        (x, i) => x !== new Uint8Array(whole.buffer)[i],
      );
      expect(differs).toBe(-1);
      expect(split.length).toBe(whole.length);
    },
  );

  test.prop(
    [
      fc.constantFrom<GemmSpec['dtype']>('float32', 'float64'),
      fc.constantFrom(...forms),
      fc.oneof(edge, fc.integer({ min: 1, max: 300 })),
      fc.oneof(edge, fc.integer({ min: 1, max: 300 })),
      fc.oneof(edge, fc.integer({ min: 1, max: 300 })),
      fc.boolean(),
      fc.integer(),
    ],
    { numRuns: 20 },
  )(
    'gives bitwise the same C with B packed once beforehand (past the K block too)',
    (dtype, form, m, n, k, acc, seed) => {
      const cs = randomCase(specFor(dtype, form, 1, m, n, k, acc), seed);
      const packed = run({ ...cs, spec: { ...cs.spec, packedB: true } });
      expect(Array.from(new Uint8Array(packed.buffer))).toEqual(
        Array.from(new Uint8Array(run(cs).buffer)),
      );
    },
  );

  test.prop(
    [
      fc.constantFrom<GemmSpec['dtype']>('float32', 'float64'),
      fc.boolean(),
      fc.oneof(edge, fc.integer({ min: 64, max: 300 })),
      fc.oneof(edge, fc.integer({ min: 9, max: 300 })),
      fc.oneof(edge, fc.integer({ min: 1, max: 300 })),
      fc.boolean(),
      fc.integer(),
    ],
    { numRuns: 20 },
  )(
    'gives bitwise the same C with Aᵀ stored (A packed) as with A stored row-major',
    (dtype, bT, m, n, k, acc, seed) => {
      const rowMajor = randomCase(specFor(dtype, bT ? 'ABt' : 'AB', 1, m, n, k, acc), seed);
      const spec = specFor(dtype, bT ? 'AtBt' : 'AtB', 1, m, n, k, acc);
      // Packed when A's k-stride (m elements) is ≥ 512 bytes and the strip serves two panels.
      const e = dtype === 'float32' ? 4 : 8;
      expect(planGemm(spec).packA).toBe(m * e >= 512 && n > 32 / e);
      expect(planGemm(rowMajor.spec).packA).toBe(false);
      // The same A, held as k×m.
      const a = new Float64Array(m * k);
      for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) a[p * m + i] = rowMajor.a[i * k + p];
      const packed = run({ ...rowMajor, spec, a });
      expect(Array.from(new Uint8Array(packed.buffer))).toEqual(
        Array.from(new Uint8Array(run(rowMajor).buffer)),
      );
    },
  );

  it('writes zeros for k = 0 and leaves C alone when accumulating', () => {
    for (const acc of [false, true]) {
      const cs = randomCase(specFor('float32', 'AB', 2, 5, 9, 0, acc), 3);
      const got = run(cs);
      const want = acc ? Float64Array.from(cs.c0, Math.fround) : new Float64Array(cs.c0.length);
      expect(got).toEqual(want);
    }
  });

  it('does nothing for an empty output', () => {
    const cs = randomCase(specFor('float64', 'AB', 1, 0, 4, 4, false), 3);
    expect(run(cs)).toEqual(new Float64Array(0));
  });

  it('uses relaxed fused multiply-add when asked (runs where the probe passes)', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const spec = { ...specFor(dtype, 'ABt', 1, 33, 45, 70, false), fma: true };
      const mb = new ModuleBuilder().importMemory({ initial: 1 });
      mb.export(emitGemm(mb, spec).fn, 'gemm');
      // Without relaxed SIMD the module must not validate: proof the fused opcode was emitted.
      expect(WebAssembly.validate(mb.build())).toBe(features().relaxedSimd);
      if (features().relaxedSimd) {
        const cs = randomCase(spec, 5);
        expectClose(cs, run(cs));
      }
    }
  });

  it('rejects a malformed spec with the field and value', () => {
    const mb = new ModuleBuilder();
    expect(() => emitGemm(mb, specFor('float32', 'AB', 1, -1, 2, 2, false))).toThrow(
      InvalidArgumentError,
    );
    expect(() => emitGemm(mb, specFor('float32', 'AB', 1, 2.5, 2, 2, false))).toThrow(
      /m must be a non-negative integer, got 2.5/,
    );
    const bad = specFor('float32', 'AB', 1, 2, 2, 2, false);
    expect(() => emitGemm(mb, { ...bad, b: { ...bad.b, colStride: -1 } })).toThrow(
      /stride b\.colStride .* got -1/,
    );
    expect(() =>
      emitGemm(mb, { ...specFor('float32', 'AB', 2, 2, 2, 2, false), packedB: true }),
    ).toThrow(/a prepacked B needs batch 1, got batch 2/);
  });
});
