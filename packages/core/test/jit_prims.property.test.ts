// `jit(f)` equals `f` for every primitive family of the prims_*.property suites, on random shapes
// and dtypes. Each case runs the op alone and inside a small composite (a literal, a reused
// intermediate, a broadcast read), because those are where a compiler's fusion, literal inlining
// and buffer reuse go wrong. expectJitMatches also checks inputs are never written and that a
// second (cached) call reproduces the first.
import { fc, test } from '@fast-check/vitest';
import {
  abs,
  add,
  arange,
  argmax,
  argmin,
  astype,
  broadcastTo,
  concat,
  concatenate,
  cos,
  type DType,
  div,
  dot,
  dotGeneral,
  eq,
  exp,
  expandDims,
  ge,
  grad,
  gt,
  integerPow,
  iota,
  le,
  log,
  log1p,
  logistic,
  logSoftmax,
  logSumExp,
  lt,
  matmul,
  max,
  maximum,
  mean,
  min,
  minimum,
  mul,
  ne,
  neg,
  oneHot,
  pow,
  relu,
  reshape,
  rsqrt,
  scatterAdd,
  select,
  sigmoid,
  sign,
  sin,
  slice,
  softmax,
  softplus,
  sqrt,
  square,
  squeeze,
  stack,
  stopGradient,
  sub,
  sum,
  type Tensor,
  take,
  tanh,
  transpose,
  where,
} from '@loom/core';
import { describe } from 'vitest';
import {
  type AxisSpec,
  axisSpecArb,
  broadcastableToArb,
  broadcastCasesArb,
  broadcastShapesArb,
  caseOfShapeArb,
  dotGeneralArb,
  i32,
  matmulArb,
  permutationArb,
  range,
  reshapeArb,
  shapeArb,
  sizeOf,
  sliceArb,
  type TensorCase,
  tensorCaseArb,
  tiedCaseArb,
  type ValueRange,
} from './arbitraries.js';
import { expectJitMatches, floatDtypeArb, tensorOf } from './jit_helpers.js';

const anyDtypeArb = fc.constantFrom<DType>('float32', 'float64', 'int32');

/** Integer data over the whole int32 range, with small values (and zeros) drawn often. */
const int32ValueArb = fc.oneof(
  fc.integer({ min: -3, max: 3 }),
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
);
const int32CaseArb = (shape: number[]): fc.Arbitrary<TensorCase> =>
  fc
    .array(int32ValueArb, { minLength: sizeOf(shape), maxLength: sizeOf(shape) })
    .map((data) => ({ shape, data }));
const asI32 = (c: TensorCase) => i32(c.data, c.shape);

describe('elementwise unary', () => {
  const unary: { name: string; f: (x: Tensor) => Tensor; range: ValueRange }[] = [
    { name: 'neg', f: neg, range: { min: -5, max: 5 } },
    { name: 'exp', f: exp, range: { min: -3, max: 3 } },
    { name: 'log', f: log, range: { min: 0.1, max: 5 } },
    { name: 'log1p', f: log1p, range: { min: -0.5, max: 5 } },
    { name: 'tanh', f: tanh, range: { min: -3, max: 3 } },
    { name: 'logistic', f: logistic, range: { min: -6, max: 6 } },
    { name: 'sigmoid', f: sigmoid, range: { min: -6, max: 6 } },
    { name: 'sin', f: sin, range: { min: -4, max: 4 } },
    { name: 'cos', f: cos, range: { min: -4, max: 4 } },
    { name: 'sqrt', f: sqrt, range: { min: 0.1, max: 5 } },
    { name: 'rsqrt', f: rsqrt, range: { min: 0.1, max: 5 } },
    { name: 'abs', f: abs, range: { min: -4, max: 4, awayFromZero: 0.1 } },
    { name: 'sign', f: sign, range: { min: -4, max: 4, awayFromZero: 0.1 } },
    { name: 'relu', f: relu, range: { min: -4, max: 4, awayFromZero: 0.1 } },
    { name: 'softplus', f: softplus, range: { min: -6, max: 6 } },
    { name: 'square', f: square, range: { min: -3, max: 3 } },
  ];

  describe.each(unary)('$name', ({ f, range: r }) => {
    test.prop([tensorCaseArb(r), floatDtypeArb])('alone and inside a fused chain', (c, dt) => {
      const x = tensorOf(c, dt);
      expectJitMatches(f, [x]);
      // f(x) is read three times and mixed with a literal and the input itself.
      expectJitMatches(
        (a: Tensor) => {
          const y = f(a);
          return y.mul(y).sub(y.mul(0.5)).add(a);
        },
        [x],
      );
    });
  });

  test.prop([shapeArb().chain((s) => fc.tuple(tiedCaseArb(s), int32CaseArb(s)))])(
    'int32 inputs: neg/abs/sign/square/relu stay int32 (wrapping); exp/tanh/sin/sqrt promote',
    ([small, wide]) => {
      const ops: ((x: Tensor) => Tensor)[] = [neg, abs, sign, square, relu, exp, tanh, sin, sqrt];
      for (const f of ops) {
        expectJitMatches(f, [asI32(small)]);
        expectJitMatches(f, [asI32(wide)]);
      }
    },
  );

  test.prop([
    tensorCaseArb({ min: -2.5, max: 2.5, awayFromZero: 0.5 }),
    fc.integer({ min: -3, max: 4 }),
    floatDtypeArb,
  ])('integer_pow of floats, alone and after another op', (c, n, dt) => {
    const x = tensorOf(c, dt);
    expectJitMatches((a: Tensor) => integerPow(a, n), [x]);
    expectJitMatches((a: Tensor) => integerPow(a.mul(0.5), n).add(integerPow(a, 2)), [x]);
  });

  test.prop([shapeArb().chain(int32CaseArb), fc.integer({ min: 0, max: 9 })])(
    'integer_pow of int32 wraps exactly like repeated Math.imul',
    (c, n) => {
      expectJitMatches((a: Tensor) => integerPow(a, n), [asI32(c)]);
      expectJitMatches((a: Tensor) => integerPow(a, n).add(a), [asI32(c)]);
    },
  );
});

describe('elementwise binary with broadcasting', () => {
  const ANY: ValueRange = { min: -3, max: 3 };
  const binary: {
    name: string;
    f: (x: Tensor | number, y: Tensor | number) => Tensor;
    ranges: [ValueRange, ValueRange];
  }[] = [
    { name: 'add', f: add, ranges: [ANY, ANY] },
    { name: 'sub', f: sub, ranges: [ANY, ANY] },
    { name: 'mul', f: mul, ranges: [ANY, ANY] },
    { name: 'div', f: div, ranges: [ANY, { min: -3, max: 3, awayFromZero: 0.2 }] },
    {
      name: 'pow',
      f: pow,
      ranges: [
        { min: 0.2, max: 3 },
        { min: -2, max: 2 },
      ],
    },
    { name: 'maximum', f: maximum, ranges: [ANY, ANY] },
    { name: 'minimum', f: minimum, ranges: [ANY, ANY] },
  ];
  // Literals are positive and non-zero so they are valid bases and divisors on either side.
  const literalArb = fc.double({ min: 0.25, max: 2.5, noNaN: true });

  describe.each(binary)('$name', ({ f, ranges }) => {
    test.prop([broadcastCasesArb(ranges), floatDtypeArb, floatDtypeArb, literalArb])(
      'tensor-tensor (mixed float dtypes promote), tensor-literal and literal-tensor',
      ([a, b], da, db, k) => {
        const x = tensorOf(a, da);
        const y = tensorOf(b, db);
        expectJitMatches((p: Tensor, q: Tensor) => f(p, q), [x, y]);
        expectJitMatches((p: Tensor) => f(p, k), [x]);
        expectJitMatches((q: Tensor) => f(k, q), [y]);
        // Both operands are also read by a second op: a fused loop must not consume them.
        expectJitMatches((p: Tensor, q: Tensor) => f(p, q).mul(p).add(q), [x, y]);
      },
    );
  });

  const intOps: { name: string; f: (x: Tensor, y: Tensor) => Tensor }[] = [
    { name: 'add', f: add },
    { name: 'sub', f: sub },
    { name: 'mul', f: mul },
    { name: 'div', f: div },
    { name: 'maximum', f: maximum },
    { name: 'minimum', f: minimum },
  ];
  const intTripleArb = broadcastShapesArb(3).chain((shapes) =>
    fc.tuple(...shapes.map(int32CaseArb)),
  );

  test.prop([intTripleArb])(
    'int32: wrapping add/sub/mul, truncating div (by 0 too), fused chains wrap at every step',
    ([a, b, c]) => {
      const [x, y, z] = [a, b, c].map(asI32);
      for (const { f } of intOps) expectJitMatches(f, [x, y]);
      // a·b can exceed 2^53: each intermediate must be wrapped to int32 before the next op.
      expectJitMatches(
        (p: Tensor, q: Tensor, r: Tensor) => p.mul(q).add(r).mul(p).sub(q),
        [x, y, z],
      );
      expectJitMatches(
        (p: Tensor, q: Tensor, r: Tensor) => p.mul(q).div(r).add(p.div(q)),
        [x, y, z],
      );
      // Weak literals: integral ones keep int32, fractional ones promote to float32.
      expectJitMatches((p: Tensor) => [p.mul(3).add(-7), p.div(2), p.mul(2.5), p.add(0.5)], [x]);
    },
  );
});

describe('comparisons, select and where', () => {
  const comparisons = [
    { name: 'lt', f: lt },
    { name: 'le', f: le },
    { name: 'gt', f: gt },
    { name: 'ge', f: ge },
    { name: 'eq', f: eq },
    { name: 'ne', f: ne },
  ];
  // Small integer values tie often, which is where the six comparisons differ.
  const tiedPairArb = broadcastShapesArb(2).chain(([s, t]) =>
    fc.tuple(tiedCaseArb(s), tiedCaseArb(t)),
  );

  describe.each(comparisons)('$name', ({ f }) => {
    test.prop([tiedPairArb, anyDtypeArb, anyDtypeArb, fc.integer({ min: -2, max: 2 })])(
      'bool output; against a literal; feeding where; comparing two bools',
      ([a, b], da, db, k) => {
        const x = tensorOf(a, da);
        const y = tensorOf(b, db);
        expectJitMatches((p: Tensor, q: Tensor) => f(p, q), [x, y]);
        expectJitMatches((p: Tensor) => f(p, k), [x]);
        expectJitMatches((p: Tensor, q: Tensor) => where(f(p, q), p.mul(q), p.sub(q)), [x, y]);
        expectJitMatches((p: Tensor, q: Tensor) => f(lt(p, 0), gt(q, 0)), [x, y]);
        expectJitMatches((p: Tensor, q: Tensor) => f(p, q).astype(p.dtype).mul(p), [x, y]);
      },
    );
  });

  const selectArb = broadcastShapesArb(3).chain(([sp, sa, sb]) =>
    fc.tuple(
      fc.array(fc.boolean(), { minLength: sizeOf(sp), maxLength: sizeOf(sp) }).map((bits) => ({
        shape: sp,
        data: bits.map((v) => (v ? 1 : 0)),
      })),
      caseOfShapeArb(sa),
      caseOfShapeArb(sb),
    ),
  );

  test.prop([selectArb, anyDtypeArb, fc.double({ min: -3, max: 3, noNaN: true })])(
    'select / where with broadcasting, literal branches and a computed predicate',
    ([p, a, b], dt, k) => {
      const pred = tensorOf(p, 'bool');
      const x = tensorOf(a, dt);
      const y = tensorOf(b, dt);
      expectJitMatches((q: Tensor, u: Tensor, v: Tensor) => select(q, u, v), [pred, x, y]);
      expectJitMatches((q: Tensor, u: Tensor, v: Tensor) => where(q, u, v), [pred, x, y]);
      expectJitMatches((q: Tensor, u: Tensor) => [where(q, u, 0), where(q, k, u)], [pred, x]);
      expectJitMatches((u: Tensor, v: Tensor) => where(u.gt(v), u, v.mul(2)), [x, y]);
    },
  );
});

describe('reductions', () => {
  const reductionArb = shapeArb().chain((shape) =>
    fc.tuple(caseOfShapeArb(shape), axisSpecArb(shape.length), fc.boolean()),
  );
  const reductions: {
    name: string;
    f: (x: Tensor, axis: AxisSpec, keepdims: boolean) => Tensor;
  }[] = [
    { name: 'sum', f: sum },
    { name: 'max', f: max },
    { name: 'min', f: min },
    { name: 'mean', f: mean },
  ];

  describe.each(reductions)('$name', ({ f }) => {
    test.prop([reductionArb, floatDtypeArb])(
      'random axes and keepdims; the result read back through a broadcast',
      ([c, axis, keepdims], dt) => {
        const x = tensorOf(c, dt);
        expectJitMatches((a: Tensor) => f(a, axis, keepdims), [x]);
        expectJitMatches((a: Tensor) => a.sub(f(a, axis, true)).mul(a), [x]);
        expectJitMatches((a: Tensor) => f(a.mul(a).add(1), axis, keepdims).sqrt(), [x]);
      },
    );
  });

  test.prop([
    shapeArb().chain((shape) =>
      fc.tuple(int32CaseArb(shape), tiedCaseArb(shape), axisSpecArb(shape.length), fc.boolean()),
    ),
  ])(
    'int32 sum (wrapping) / max / min / mean, and sum of bool counts',
    ([w, t, axis, keepdims]) => {
      const x = asI32(w);
      for (const f of [sum, max, min, mean])
        expectJitMatches((a: Tensor) => f(a, axis, keepdims), [x]);
      expectJitMatches((a: Tensor) => sum(a.gt(0), axis, keepdims), [tensorOf(t, 'float64')]);
    },
  );

  const argArb = shapeArb({ minRank: 1 }).chain((shape) =>
    fc.tuple(tiedCaseArb(shape), fc.integer({ min: -shape.length, max: shape.length - 1 })),
  );

  test.prop([argArb, anyDtypeArb])(
    'argmax / argmin with ties (first index), and gathering by the result',
    ([c, axis], dt) => {
      const x = tensorOf(c, dt);
      for (const f of [argmax, argmin]) {
        expectJitMatches((a: Tensor) => f(a, axis), [x]);
        expectJitMatches((a: Tensor) => take(a, f(a, axis), axis), [x]);
      }
      expectJitMatches((a: Tensor) => argmax(a.neg().mul(2), axis).add(argmin(a, axis)), [x]);
    },
  );
});

describe('dot_general and matmul', () => {
  test.prop([dotGeneralArb, anyDtypeArb])(
    'dot_general with any dimension numbers, alone and followed by elementwise ops',
    ([a, b, p], dt) => {
      const x = tensorOf(a, dt);
      const y = tensorOf(b, dt);
      expectJitMatches((u: Tensor, v: Tensor) => dotGeneral(u, v, p), [x, y]);
      expectJitMatches((u: Tensor, v: Tensor) => dotGeneral(u.mul(2), v, p).add(1).mul(3), [x, y]);
    },
  );

  test.prop([matmulArb, anyDtypeArb])(
    'matmul / dot: vectors, matrices, N-D by 2-D, batched with broadcast batch axes',
    ([a, b], dt) => {
      const x = tensorOf(a, dt);
      const y = tensorOf(b, dt);
      expectJitMatches((u: Tensor, v: Tensor) => matmul(u, v), [x, y]);
      expectJitMatches((u: Tensor, v: Tensor) => dot(u, v), [x, y]);
    },
  );

  const swapLast = (x: Tensor) => {
    const perm = range(x.ndim);
    [perm[x.ndim - 2], perm[x.ndim - 1]] = [perm[x.ndim - 1], perm[x.ndim - 2]];
    return transpose(x, perm);
  };
  const transposedArb = fc
    .record({
      batch: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
      m: fc.integer({ min: 1, max: 4 }),
      k: fc.integer({ min: 1, max: 4 }),
      n: fc.integer({ min: 1, max: 4 }),
      ta: fc.boolean(),
      tb: fc.boolean(),
    })
    .chain(({ batch, m, k, n, ta, tb }) =>
      fc.tuple(
        caseOfShapeArb([...batch, ...(ta ? [k, m] : [m, k])]),
        caseOfShapeArb([...batch, ...(tb ? [n, k] : [k, n])]),
        fc.constant({ ta, tb }),
      ),
    );

  test.prop([transposedArb, floatDtypeArb])(
    'batched matmul with transposed operands (Aᵀ·B, A·Bᵀ, Aᵀ·Bᵀ), and A·Aᵀ of one buffer',
    ([a, b, { ta, tb }], dt) => {
      const x = tensorOf(a, dt);
      const y = tensorOf(b, dt);
      const f = (u: Tensor, v: Tensor) => matmul(ta ? swapLast(u) : u, tb ? swapLast(v) : v);
      expectJitMatches(f, [x, y]);
      expectJitMatches((u: Tensor, v: Tensor) => tanh(f(u, v).add(1)), [x, y]);
      // Both operands read the same buffer, one of them transposed.
      expectJitMatches((u: Tensor) => matmul(u, swapLast(u)), [x]);
      expectJitMatches((u: Tensor) => matmul(swapLast(u), u.mul(2)), [x]);
    },
  );
});

describe('layout', () => {
  test.prop([reshapeArb.map(({ c, inferred }) => ({ c, target: inferred })), floatDtypeArb])(
    'reshape (an alias): the input must survive ops on the reshaped value',
    ({ c, target }, dt) => {
      const x = tensorOf(c, dt);
      expectJitMatches((a: Tensor) => reshape(a, target), [x]);
      expectJitMatches((a: Tensor) => [reshape(a, target).add(1), a], [x]);
      expectJitMatches((a: Tensor) => reshape(a.mul(2), target).exp().reshape(c.shape).add(a), [x]);
    },
  );

  test.prop([
    shapeArb().chain((out) =>
      broadcastableToArb(out).chain((src) => caseOfShapeArb(src).map((c) => ({ c, out }))),
    ),
    floatDtypeArb,
  ])('broadcastTo, alone and combined with its own source', ({ c, out }, dt) => {
    const x = tensorOf(c, dt);
    expectJitMatches((a: Tensor) => broadcastTo(a, out), [x]);
    expectJitMatches(
      (a: Tensor) => broadcastTo(a.mul(2), out).mul(a).add(broadcastTo(a, out)),
      [x],
    );
  });

  test.prop([
    tensorCaseArb().chain((c) =>
      fc.tuple(fc.constant(c), fc.option(permutationArb(c.shape.length), { nil: undefined })),
    ),
    anyDtypeArb,
  ])('transpose (default reverses), of inputs and of intermediates', ([c, perm], dt) => {
    const x = tensorOf(c, dt);
    expectJitMatches((a: Tensor) => transpose(a, perm), [x]);
    expectJitMatches((a: Tensor) => transpose(a.mul(2), perm).add(transpose(a, perm)), [x]);
    expectJitMatches((a: Tensor) => transpose(transpose(a, perm).add(1), perm), [x]);
  });

  test.prop([
    tensorCaseArb({ min: -3, max: 3 }, { maxRank: 3 }).chain((c) =>
      fc.tuple(fc.constant(c), fc.integer({ min: -(c.shape.length + 1), max: c.shape.length })),
    ),
  ])('expandDims and squeeze', ([c, axis]) => {
    const x = tensorOf(c, 'float64');
    expectJitMatches((a: Tensor) => [expandDims(a, axis), squeeze(a)], [x]);
    const ax = axis < 0 ? axis + c.shape.length + 1 : axis;
    expectJitMatches((a: Tensor) => squeeze(expandDims(a.exp(), axis), ax).add(a), [x]);
  });

  test.prop([sliceArb, floatDtypeArb])(
    'slice with steps, and pad (the transpose of slice) through jit(grad)',
    ({ c, starts, limits, steps }, dt) => {
      const x = tensorOf(c, dt);
      const sl = (a: Tensor) => slice(a, starts, limits, steps);
      expectJitMatches(sl, [x]);
      expectJitMatches((a: Tensor) => sl(a).mul(sl(a.exp())).add(1), [x]);
      // grad of a slice pads the cotangent back to the input shape.
      expectJitMatches(
        grad((a: Tensor) => sl(a).mul(sl(a)).sum()),
        [tensorOf(c, 'float64')],
      );
    },
  );

  const concatArb = shapeArb({ minRank: 1 }).chain((shape) =>
    fc
      .tuple(
        fc.integer({ min: 0, max: shape.length - 1 }),
        fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 }),
      )
      .chain(([axis, sizes]) =>
        fc
          .tuple(...sizes.map((n) => caseOfShapeArb(shape.map((d, i) => (i === axis ? n : d)))))
          .map((parts) => ({ parts, axis })),
      ),
  );

  test.prop([concatArb, anyDtypeArb])(
    'concatenate along any axis, including one part repeated',
    ({ parts, axis }, dt) => {
      const xs = parts.map((p) => tensorOf(p, dt));
      expectJitMatches((...ys: Tensor[]) => concatenate(ys, axis), xs);
      expectJitMatches((a: Tensor) => concat([a, a.mul(2), a], axis).add(1), [xs[0]]);
    },
  );

  test.prop([
    shapeArb({ maxRank: 3 }).chain((shape) =>
      fc.tuple(
        fc.array(caseOfShapeArb(shape), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: -(shape.length + 1), max: shape.length }),
      ),
    ),
    anyDtypeArb,
  ])('stack along any axis', ([parts, axis], dt) => {
    const xs = parts.map((p) => tensorOf(p, dt));
    expectJitMatches((...ys: Tensor[]) => stack(ys, axis), xs);
    expectJitMatches((...ys: Tensor[]) => stack([...ys, ys[0]], axis).mul(2), xs);
  });

  /** x of rank 1..3, an axis, int32 indices of rank 0..2 in range (with repeats). */
  const gatherArb = shapeArb({ minRank: 1, maxRank: 3 }).chain((xShape) =>
    fc.integer({ min: -xShape.length, max: xShape.length - 1 }).chain((axis) => {
      const n = xShape[axis < 0 ? axis + xShape.length : axis];
      return fc
        .tuple(caseOfShapeArb(xShape), shapeArb({ maxRank: 2, maxDim: 3 }))
        .chain(([x, idxShape]) =>
          fc
            .array(fc.integer({ min: 0, max: n - 1 }), {
              minLength: sizeOf(idxShape),
              maxLength: sizeOf(idxShape),
            })
            .chain((data) => {
              const ax = axis < 0 ? axis + xShape.length : axis;
              const outShape = [...xShape.slice(0, ax), ...idxShape, ...xShape.slice(ax + 1)];
              return caseOfShapeArb(outShape).map((updates) => ({
                x,
                indices: { shape: idxShape, data },
                axis,
                updates,
              }));
            }),
        );
    }),
  );

  test.prop([gatherArb, anyDtypeArb])(
    'take (gather) with indices as an argument and as a constant; scatterAdd',
    ({ x, indices, axis, updates }, dt) => {
      const xt = tensorOf(x, dt);
      const idx = asI32(indices);
      expectJitMatches((a: Tensor, i: Tensor) => take(a, i, axis), [xt, idx]);
      expectJitMatches((a: Tensor) => take(a.mul(2), idx, axis).add(1), [xt], { untouched: idx });
      const u = tensorOf(updates, dt === 'int32' ? 'int32' : 'float64');
      expectJitMatches((v: Tensor, i: Tensor) => scatterAdd(v, i, x.shape, axis), [u, idx]);
    },
  );

  test.prop([
    fc.integer({ min: 1, max: 5 }).chain((depth) =>
      shapeArb({ maxRank: 3 }).chain((shape) =>
        fc.tuple(
          fc.constant(depth),
          fc
            .array(fc.integer({ min: 0, max: depth - 1 }), {
              minLength: sizeOf(shape),
              maxLength: sizeOf(shape),
            })
            .map((data) => ({ shape, data })),
          anyDtypeArb,
        ),
      ),
    ),
    // Out-of-range indices are an eager IndexError and NaN rows when traced: issue13_indices.
  ])('oneHot of in-range indices', ([depth, idx, dt]) => {
    expectJitMatches((i: Tensor) => oneHot(i, depth, dt), [asI32(idx)]);
  });
});

describe('softmax, logSoftmax, logSumExp', () => {
  const axisCaseArb = shapeArb({ minRank: 1 }).chain((shape) =>
    fc.tuple(
      caseOfShapeArb(shape, { min: -5, max: 5 }),
      fc.integer({ min: -shape.length, max: shape.length - 1 }),
      fc.boolean(),
    ),
  );

  test.prop([axisCaseArb, floatDtypeArb])(
    'along any axis (logSumExp with and without keepdims), also shifted by 1000',
    ([c, axis, keepdims], dt) => {
      const x = tensorOf(c, dt);
      expectJitMatches((a: Tensor) => softmax(a, axis), [x]);
      expectJitMatches((a: Tensor) => logSoftmax(a, axis), [x]);
      expectJitMatches((a: Tensor) => logSumExp(a, axis, keepdims), [x]);
      expectJitMatches((a: Tensor) => softmax(a.add(1000), axis).mul(a), [x]);
    },
  );
});

describe('astype', () => {
  const dtypes: DType[] = ['float32', 'float64', 'int32', 'bool'];
  // Wide values and the edge cases of each conversion: ±0, halves (truncation), beyond int32
  // (wrapping), infinities and NaN (0 as int32; true as bool).
  const edgeValueArb = fc.oneof(
    fc.double({ min: -1e3, max: 1e3, noNaN: true }),
    fc.constantFrom(0, -0, 0.5, -0.5, 2.5, -2.5, 1e10, -1e10, 2 ** 31, -(2 ** 31) - 1),
    fc.constantFrom(Infinity, -Infinity, Number.NaN),
  );
  const edgeCaseArb = shapeArb().chain((shape) =>
    fc
      .array(edgeValueArb, { minLength: sizeOf(shape), maxLength: sizeOf(shape) })
      .map((data) => ({ shape, data })),
  );

  test.prop([edgeCaseArb, fc.constantFrom(...dtypes), fc.constantFrom(...dtypes)])(
    'every pair of dtypes, there and back',
    (c, from, to) => {
      const x = tensorOf(c, from);
      expectJitMatches((a: Tensor) => astype(a, to), [x]);
      expectJitMatches((a: Tensor) => astype(astype(a, to), from), [x]);
    },
  );

  test.prop([tensorCaseArb({ min: -100, max: 100 }), floatDtypeArb])(
    'conversions inside fused chains: truncate, then integer arithmetic, then back to float',
    (c, dt) => {
      const x = tensorOf(c, dt);
      expectJitMatches((a: Tensor) => astype(a.mul(3), 'int32').mul(2).add(1), [x]);
      expectJitMatches((a: Tensor) => astype(astype(a, 'int32').div(3), dt).add(a), [x]);
      expectJitMatches((a: Tensor) => astype(a.gt(0), 'float64').mul(a), [x]);
      expectJitMatches(
        (a: Tensor) => astype(a, dt === 'float32' ? 'float64' : 'float32').exp(),
        [x.mul(0.01)],
      );
    },
  );
});

describe('iota, arange, stopGradient', () => {
  const iotaArb = shapeArb({ minRank: 1 }).chain((shape) =>
    fc.tuple(
      caseOfShapeArb(shape),
      fc.integer({ min: -shape.length, max: shape.length - 1 }),
      anyDtypeArb,
    ),
  );

  test.prop([iotaArb])(
    'iota with no inputs at all, added to an input, used as gather indices; arange as a constant',
    ([c, dim, dt]) => {
      expectJitMatches(() => iota(c.shape, dim, dt), []);
      const x = tensorOf(c, dt);
      expectJitMatches((a: Tensor) => a.add(iota(a.shape, dim, dt)), [x]);
      const n = c.shape[c.shape.length - 1];
      expectJitMatches(
        (a: Tensor) =>
          take(
            a,
            iota([n], 0, 'int32')
              .mul(-1)
              .add(n - 1),
            -1,
          ),
        [x],
      );
      const ramp = arange(n, undefined, 1, dt);
      expectJitMatches((a: Tensor) => a.mul(ramp).sub(ramp), [x], { untouched: ramp });
    },
  );

  test.prop([tensorCaseArb(), floatDtypeArb])(
    'stopGradient: identity values; blocks the derivative under jit(grad)',
    (c, dt) => {
      const x = tensorOf(c, dt);
      expectJitMatches((a: Tensor) => stopGradient(a), [x]);
      expectJitMatches((a: Tensor) => stopGradient(a.mul(2)).add(a), [x]);
      expectJitMatches(
        grad((a: Tensor) => a.mul(stopGradient(a)).sum()),
        [x],
      );
      expectJitMatches(
        grad((a: Tensor) => {
          const m = stopGradient(a.max());
          return a.sub(m).exp().sum().log().add(m);
        }),
        [tensorOf(c, 'float64')],
      );
    },
  );
});
