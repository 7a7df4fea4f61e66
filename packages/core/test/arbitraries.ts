// Shared fast-check arbitraries and plain-JS reference helpers for the @loom/core test suites.
// Everything here is independent of Loom's kernels: references index arrays by hand.
import { fc } from '@fast-check/vitest';
import {
  type CheckGradsOptions,
  checkGrads,
  type DotGeneralParams,
  type DType,
  evalJaxpr,
  makeJaxpr,
  type Tensor,
  tensor,
  tree,
  typecheckJaxpr,
} from '@loom/core';
import { expect } from 'vitest';

export type Shape = number[];

/** A tensor described by plain data: what the arbitraries generate. */
export interface TensorCase {
  shape: Shape;
  data: number[];
}

// ---------------------------------------------------------------------------------------------
// Shapes
// ---------------------------------------------------------------------------------------------

/** A dimension of size 1..maxDim, with size 1 (a broadcast dimension) drawn often. */
export const dimArb = (maxDim = 4): fc.Arbitrary<number> =>
  fc.oneof(
    { arbitrary: fc.constant(1), weight: 1 },
    { arbitrary: fc.integer({ min: 1, max: maxDim }), weight: 3 },
  );

export interface ShapeOptions {
  minRank?: number;
  maxRank?: number;
  maxDim?: number;
}

/** Shapes of rank minRank..maxRank (default 0..4) with dims 1..maxDim (default 4). */
export const shapeArb = ({
  minRank = 0,
  maxRank = 4,
  maxDim = 4,
}: ShapeOptions = {}): fc.Arbitrary<Shape> =>
  fc.array(dimArb(maxDim), { minLength: minRank, maxLength: maxRank });

/**
 * A shape that broadcasts to `out`: some leading axes dropped, some axes set to 1 (numpy rules).
 */
export const broadcastableToArb = (out: Shape): fc.Arbitrary<Shape> =>
  fc
    .tuple(
      fc.integer({ min: 0, max: out.length }),
      fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }),
    )
    .map(([drop, ones]) => out.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d)));

/** `n` mutually broadcast-compatible shapes (the broadcast result may be smaller than `out`). */
export const broadcastShapesArb = (n: number, options: ShapeOptions = {}): fc.Arbitrary<Shape[]> =>
  shapeArb(options).chain((out) =>
    fc.tuple(...Array.from({ length: n }, () => broadcastableToArb(out))),
  );

/** A permutation of 0..n-1. */
export const permutationArb = (n: number): fc.Arbitrary<number[]> =>
  fc.shuffledSubarray(range(n), { minLength: n, maxLength: n });

// ---------------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------------

export interface ValueRange {
  min: number;
  max: number;
  /** Moves values away from 0 by this much (keeps kinks and singularities out of reach). */
  awayFromZero?: number;
}

/** Moves x away from 0: x ≥ 0 becomes x + d, x < 0 becomes x − d. */
export const away = (d: number) => (x: number) => (x >= 0 ? x + d : x - d);

/** A float64 value in a safe range. */
export const valueArb = ({ min, max, awayFromZero }: ValueRange): fc.Arbitrary<number> => {
  const base = fc
    .double({ min, max, noNaN: true, noDefaultInfinity: true })
    .map((x) => (Object.is(x, -0) ? 0 : x));
  return awayFromZero ? base.map(away(awayFromZero)) : base;
};

export const valuesArb = (n: number, range: ValueRange): fc.Arbitrary<number[]> =>
  fc.array(valueArb(range), { minLength: n, maxLength: n });

export const DEFAULT_RANGE: ValueRange = { min: -3, max: 3 };

/** Data for a given shape. */
export const caseOfShapeArb = (
  shape: Shape,
  range: ValueRange = DEFAULT_RANGE,
): fc.Arbitrary<TensorCase> => valuesArb(sizeOf(shape), range).map((data) => ({ shape, data }));

/** A random-shaped float64 tensor case. */
export const tensorCaseArb = (
  range: ValueRange = DEFAULT_RANGE,
  shape: ShapeOptions = {},
): fc.Arbitrary<TensorCase> => shapeArb(shape).chain((s) => caseOfShapeArb(s, range));

/** Cases for n broadcast-compatible operands, each with its own value range. */
export const broadcastCasesArb = (
  ranges: ValueRange[],
  shape: ShapeOptions = {},
): fc.Arbitrary<TensorCase[]> =>
  broadcastShapesArb(ranges.length, shape).chain((shapes) =>
    fc.tuple(...shapes.map((s, i) => caseOfShapeArb(s, ranges[i]))),
  );

/**
 * Values on disjoint grids so no two operands ever tie: `phase` 0.25 gives k + 0.25 + u and
 * phase 0.75 gives k + 0.75 + u (k integer, u ∈ [0, 0.1]), so |x − y| ≥ 0.3 and x, y ≠ 0.
 */
export const gridValueArb = (phase: number): fc.Arbitrary<number> =>
  fc
    .tuple(fc.integer({ min: -3, max: 3 }), fc.double({ min: 0, max: 0.1, noNaN: true }))
    .map(([k, u]) => k + phase + u);

export const gridCaseArb = (shape: Shape, phase: number): fc.Arbitrary<TensorCase> =>
  fc
    .array(gridValueArb(phase), { minLength: sizeOf(shape), maxLength: sizeOf(shape) })
    .map((data) => ({ shape, data }));

/** Pairwise distinct values (at least 0.01 apart) so maxima, minima and sorts are unique. */
export const distinctCaseArb = (shape: Shape): fc.Arbitrary<TensorCase> =>
  fc
    .uniqueArray(fc.integer({ min: -400, max: 400 }), {
      minLength: sizeOf(shape),
      maxLength: sizeOf(shape),
    })
    .map((ints) => ({ shape, data: ints.map((v) => v / 100) }));

/** Small integer-valued floats: many ties, for comparisons, argmax tie-breaking and sorts. */
export const tiedCaseArb = (shape: Shape): fc.Arbitrary<TensorCase> =>
  fc
    .array(fc.integer({ min: -2, max: 2 }), { minLength: sizeOf(shape), maxLength: sizeOf(shape) })
    .map((data) => ({ shape, data }));

/** An axis argument of a reduction: all (null), one axis (maybe negative), or a set of axes. */
export type AxisSpec = number | number[] | null;

export const axisSpecArb = (rank: number): fc.Arbitrary<AxisSpec> => {
  const options: fc.Arbitrary<AxisSpec>[] = [fc.constant(null)];
  if (rank > 0) {
    options.push(fc.integer({ min: -rank, max: rank - 1 }));
    options.push(
      fc
        .subarray(range(rank))
        .chain((s) => fc.shuffledSubarray(s, { minLength: s.length, maxLength: s.length })),
    );
  }
  return fc.oneof(...options);
};

/** Resolves an AxisSpec to the sorted non-negative axes it reduces. */
export function resolveAxes(spec: AxisSpec, rank: number): number[] {
  if (spec === null) return range(rank);
  const list = typeof spec === 'number' ? [spec] : spec;
  return list.map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
}

// ---------------------------------------------------------------------------------------------
// Plain-JS reference helpers
// ---------------------------------------------------------------------------------------------

export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Row-major multi-index of flat position `flat`. */
export function unravel(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length).fill(0);
  for (let i = shape.length - 1; i >= 0; i--) {
    idx[i] = flat % shape[i];
    flat = Math.floor(flat / shape[i]);
  }
  return idx;
}

/** Row-major flat position of multi-index `idx`. */
export function ravel(idx: readonly number[], shape: readonly number[]): number {
  let flat = 0;
  for (let i = 0; i < shape.length; i++) flat = flat * shape[i] + idx[i];
  return flat;
}

/** numpy broadcasting of shapes (throws on incompatible shapes). */
export function refBroadcastShape(...shapes: (readonly number[])[]): Shape {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    s.forEach((d, i) => {
      const a = rank - s.length + i;
      if (d !== 1) {
        if (out[a] !== 1 && out[a] !== d) throw new Error(`reference: cannot broadcast ${s}`);
        out[a] = d;
      }
    });
  }
  return out;
}

/** The element of `c` that lands at multi-index `outIdx` of a broadcast result. */
export function readBroadcast(c: TensorCase, outIdx: readonly number[]): number {
  const offset = outIdx.length - c.shape.length;
  const idx = c.shape.map((d, i) => (d === 1 ? 0 : outIdx[i + offset]));
  return c.data[ravel(idx, c.shape)];
}

/** Applies `f` elementwise with numpy broadcasting, by explicit index arithmetic. */
export function refElementwise(f: (...xs: number[]) => number, inputs: TensorCase[]): TensorCase {
  const shape = refBroadcastShape(...inputs.map((c) => c.shape));
  const data = range(sizeOf(shape)).map((i) => {
    const idx = unravel(i, shape);
    return f(...inputs.map((c) => readBroadcast(c, idx)));
  });
  return { shape, data };
}

/** Reduces `axes` of `c` with `combine` starting from `init` (optionally keeping size-1 axes). */
export function refReduce(
  c: TensorCase,
  axes: readonly number[],
  init: number,
  combine: (acc: number, x: number) => number,
  keepdims = false,
): TensorCase {
  const outShape = c.shape.filter((_, i) => !axes.includes(i));
  const acc = new Array<number>(sizeOf(outShape)).fill(init);
  c.data.forEach((x, flat) => {
    const idx = unravel(flat, c.shape).filter((_, i) => !axes.includes(i));
    const o = ravel(idx, outShape);
    acc[o] = combine(acc[o], x);
  });
  const shape = keepdims ? c.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : outShape;
  return { shape, data: acc };
}

// ---------------------------------------------------------------------------------------------
// Tensors and assertions
// ---------------------------------------------------------------------------------------------

/** A float64 tensor from a case. */
export function t64(c: TensorCase): Tensor {
  return tensor(new Float64Array(c.data), { shape: c.shape });
}

export function i32(data: number[], shape: Shape): Tensor {
  return tensor(new Int32Array(data), { shape, dtype: 'int32' });
}

/** Element-by-element closeness with a message naming the first bad element. */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  { rtol = 1e-12, atol = 1e-12 }: { rtol?: number; atol?: number } = {},
): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = Number(actual[i]);
    const e = Number(expected[i]);
    const ok =
      Object.is(a, e) ||
      (Number.isNaN(a) && Number.isNaN(e)) ||
      Math.abs(a - e) <= atol + rtol * Math.abs(e);
    if (!ok) expect.fail(`element ${i}: got ${a}, expected ${e} (rtol ${rtol}, atol ${atol})`);
  }
}

/** Asserts a tensor's shape, dtype and values. */
export function expectTensor(
  t: Tensor,
  expected: TensorCase,
  dtype: DType = 'float64',
  tol?: { rtol?: number; atol?: number },
): void {
  expect([...t.shape]).toEqual(expected.shape);
  expect(t.dtype).toBe(dtype);
  expectClose(t.data(), expected.data, tol);
}

/**
 * The shape rule agrees with the implementation: runs `f` eagerly and under makeJaxpr, checks the
 * IR typechecks, that the IR's output type is the eager result's shape/dtype, and that evaluating
 * the IR gives the eager values. Returns the eager result.
 */
export function checkShapeRule(f: (...args: Tensor[]) => Tensor, args: Tensor[]): Tensor {
  const eager = f(...args);
  const prog = makeJaxpr(f)(...args);
  typecheckJaxpr(prog.closed.jaxpr);
  const aval = prog.closed.jaxpr.outs[0].aval;
  expect([...aval.shape]).toEqual([...eager.shape]);
  expect(aval.dtype).toBe(eager.dtype);
  const [evaluated] = evalJaxpr(prog.closed.jaxpr, [...prog.closed.consts, ...args]);
  expect([...evaluated.shape]).toEqual([...eager.shape]);
  expect(evaluated.dtype).toBe(eager.dtype);
  expectClose(evaluated.data(), eager.data(), { rtol: 0, atol: 0 });
  return eager;
}

/** `checkGrads` typed for tensor functions. */
export function gradCheck<A extends unknown[]>(
  f: (...args: A) => unknown,
  args: A,
  options: CheckGradsOptions = {},
): void {
  checkGrads(f as (...a: unknown[]) => unknown, args, options);
}

/** Flattens a tree of tensors into its leaves' shapes (for structure comparisons). */
export function leafShapes(t: unknown): number[][] {
  return tree.leaves<Tensor>(t).map((l) => [...l.shape]);
}

/** `c` broadcast (materialised) to `shape`. */
export function broadcastCase(c: TensorCase, shape: Shape): TensorCase {
  return { shape, data: range(sizeOf(shape)).map((i) => readBroadcast(c, unravel(i, shape))) };
}

/** Flat position in `c` of the element read at multi-index `outIdx` of a broadcast result. */
export function broadcastSource(c: TensorCase, outIdx: readonly number[]): number {
  const offset = outIdx.length - c.shape.length;
  return ravel(
    c.shape.map((d, i) => (d === 1 ? 0 : outIdx[i + offset])),
    c.shape,
  );
}

/** Applies `f` to every 1-D fiber of `c` along `axis` (f maps a fiber to a fiber of equal length). */
export function alongAxis(
  c: TensorCase,
  axis: number,
  f: (fiber: number[]) => number[],
): TensorCase {
  const ax = axis < 0 ? axis + c.shape.length : axis;
  const out = new Array<number>(c.data.length);
  const outer = c.shape.map((d, i) => (i === ax ? 1 : d));
  for (let o = 0; o < sizeOf(outer); o++) {
    const base = unravel(o, outer);
    const at = (j: number) =>
      ravel(
        base.map((v, i) => (i === ax ? j : v)),
        c.shape,
      );
    const fiber = range(c.shape[ax]).map((j) => c.data[at(j)]);
    f(fiber).forEach((v, j) => {
      out[at(j)] = v;
    });
  }
  return { shape: c.shape, data: out };
}

/** Operands for matmul: vectors, matrices, N-D × 2-D, and batched with broadcast leading axes. */
export const matmulArb = fc
  .tuple(
    broadcastShapesArb(2, { maxRank: 2, maxDim: 3 }),
    fc.integer({ min: 1, max: 4 }),
    fc.integer({ min: 1, max: 4 }),
    fc.integer({ min: 1, max: 4 }),
    fc.constantFrom('vv', 'mv', 'vm', 'mm', 'nd2', 'batched', 'vb', 'bv'),
  )
  .chain(([[ba, bb], m, k, n, kind]) => {
    const shapes: Record<string, [number[], number[]]> = {
      vv: [[k], [k]],
      mv: [[m, k], [k]],
      vm: [[k], [k, n]],
      mm: [
        [m, k],
        [k, n],
      ],
      nd2: [
        [...ba, m, k],
        [k, n],
      ],
      batched: [
        [...ba, m, k],
        [...bb, k, n],
      ],
      vb: [[k], [...bb, 2, k, n]],
      bv: [[...ba, 2, m, k], [k]],
    };
    const [sa, sb] = shapes[kind];
    return fc.tuple(caseOfShapeArb(sa), caseOfShapeArb(sb));
  });

/** A non-empty strided window per axis: start < limit ≤ size, step 1..3. */
export const sliceArb = tensorCaseArb({ min: -3, max: 3 }, { minRank: 1 }).chain((c) =>
  fc
    .tuple(
      ...c.shape.map((d) =>
        fc
          .integer({ min: 0, max: d - 1 })
          .chain((start) =>
            fc.tuple(
              fc.constant(start),
              fc.integer({ min: start + 1, max: d }),
              fc.integer({ min: 1, max: 3 }),
            ),
          ),
      ),
    )
    .map((windows) => ({
      c,
      starts: windows.map((w) => w[0]),
      limits: windows.map((w) => w[1]),
      steps: windows.map((w) => w[2]),
    })),
);

/**
 * Random dimension numbers: nb batch, nc contracting, nl / nr free axes (each size 1..3, rank ≤ 4),
 * laid out in a random axis order in each operand (so contracting/batch lists are unsorted too).
 */
export const dotGeneralArb = fc
  .record({
    nb: fc.integer({ min: 0, max: 2 }),
    nc: fc.integer({ min: 0, max: 2 }),
    nl: fc.integer({ min: 0, max: 2 }),
    nr: fc.integer({ min: 0, max: 2 }),
  })
  .filter(({ nb, nc, nl, nr }) => nb + nc + Math.max(nl, nr) <= 4)
  .chain(({ nb, nc, nl, nr }) => {
    const sizes = (n: number) =>
      fc.array(fc.integer({ min: 1, max: 3 }), { minLength: n, maxLength: n });
    return fc
      .record({
        batch: sizes(nb),
        contract: sizes(nc),
        lfree: sizes(nl),
        rfree: sizes(nr),
        lperm: permutationArb(nb + nc + nl),
        rperm: permutationArb(nb + nc + nr),
        contractOrder: permutationArb(nc),
      })
      .chain(({ batch, contract, lfree, rfree, lperm, rperm, contractOrder }) => {
        // Logical items: batch 0..nb-1, contracting nb..nb+nc-1, free after. lperm[j] = item at axis j.
        const lItems = [...batch, ...contract, ...lfree];
        const rItems = [...batch, ...contract, ...rfree];
        const lShape = lperm.map((item) => lItems[item]);
        const rShape = rperm.map((item) => rItems[item]);
        const where = (perm: number[], item: number) => perm.indexOf(item);
        const params: DotGeneralParams = {
          lhsBatch: range(nb).map((i) => where(lperm, i)),
          rhsBatch: range(nb).map((i) => where(rperm, i)),
          lhsContracting: contractOrder.map((i) => where(lperm, nb + i)),
          rhsContracting: contractOrder.map((i) => where(rperm, nb + i)),
        };
        return fc.tuple(caseOfShapeArb(lShape), caseOfShapeArb(rShape), fc.constant(params));
      });
  });

/** A target shape: the source dims shuffled, with inserted 1s, some adjacent dims merged, maybe a -1. */
export const reshapeArb = tensorCaseArb().chain((c) =>
  fc
    .tuple(
      permutationArb(c.shape.length),
      fc.array(fc.integer({ min: 0, max: c.shape.length }), { maxLength: 2 }),
      fc.boolean(),
      fc.boolean(),
    )
    .map(([perm, ones, merge, infer]) => {
      let target = perm.map((p) => c.shape[p]);
      for (const at of ones) target.splice(Math.min(at, target.length), 0, 1);
      if (merge && target.length >= 2) target = [target[0] * target[1], ...target.slice(2)];
      const inferred = infer && target.length > 0 ? [-1, ...target.slice(1)] : target;
      return { c, target, inferred };
    }),
);
