// Structural primitives: reshape, broadcast_in_dim (broadcastTo), transpose, squeeze/expandDims,
// slice (with steps) and its transpose pad, concatenate / stack. All are linear, so checkGrads
// (order 2 included) must hold exactly, and values are checked by explicit index mapping.
import { fc, test as property } from '@fast-check/vitest';
import {
  broadcastTo,
  concat,
  concatenate,
  expandDims,
  grad,
  makeJaxpr,
  reshape,
  slice,
  squeeze,
  stack,
  type Tensor,
  tensor,
  transpose,
  vjp,
} from '@loom/core';
import { describe, expect, test } from 'vitest';
import {
  broadcastableToArb,
  broadcastCase,
  broadcastSource,
  caseOfShapeArb,
  checkShapeRule,
  expectClose,
  expectTensor,
  gradCheck,
  permutationArb,
  range,
  ravel,
  reshapeArb,
  shapeArb,
  sizeOf,
  sliceArb,
  type TensorCase,
  t64,
  tensorCaseArb,
  unravel,
} from './arbitraries.js';

// A smooth nonlinearity after the op makes second-order checks non-trivial.
const smooth = (y: Tensor) => y.mul(y).sum();

describe('reshape', () => {
  property.prop([reshapeArb], { numRuns: 20 })('checkGrads, order 2', ({ c, inferred }) => {
    gradCheck((x: Tensor) => reshape(x, inferred), [t64(c)], { order: 2 });
    gradCheck((x: Tensor) => smooth(reshape(x, inferred)), [t64(c)], { order: 2 });
  });

  property.prop([reshapeArb])(
    'shape rule (with -1 inferred) and row-major values',
    ({ c, target, inferred }) => {
      const out = checkShapeRule((x) => reshape(x, inferred), [t64(c)]);
      expectTensor(out, { shape: target, data: c.data }, 'float64', { rtol: 0, atol: 0 });
    },
  );
});

describe('broadcast_in_dim (broadcastTo)', () => {
  const broadcastArb = shapeArb().chain((out) =>
    broadcastableToArb(out).chain((src) => caseOfShapeArb(src).map((c) => ({ c, out }))),
  );

  property.prop([broadcastArb], { numRuns: 20 })('checkGrads, order 2', ({ c, out }) => {
    gradCheck((x: Tensor) => broadcastTo(x, out), [t64(c)], { order: 2 });
    gradCheck((x: Tensor) => smooth(broadcastTo(x, out)), [t64(c)], { order: 2 });
  });

  property.prop([broadcastArb])('shape rule and values by numpy index mapping', ({ c, out }) => {
    const y = checkShapeRule((x) => broadcastTo(x, out), [t64(c)]);
    expectTensor(y, broadcastCase(c, out), 'float64', { rtol: 0, atol: 0 });
  });

  property.prop([broadcastArb])('the gradient sums over broadcast copies', ({ c, out }) => {
    const g = grad((x: Tensor) => broadcastTo(x, out).sum())(t64(c));
    const expected = new Array<number>(c.data.length).fill(0);
    for (let i = 0; i < sizeOf(out); i++) expected[broadcastSource(c, unravel(i, out))] += 1;
    expect(Array.from(g.data())).toEqual(expected);
  });
});

describe('transpose', () => {
  const transposeArb = tensorCaseArb().chain((c) =>
    fc.tuple(fc.constant(c), fc.option(permutationArb(c.shape.length), { nil: undefined })),
  );

  property.prop([transposeArb], { numRuns: 20 })('checkGrads, order 2', ([c, perm]) => {
    gradCheck((x: Tensor) => transpose(x, perm), [t64(c)], { order: 2 });
    gradCheck((x: Tensor) => smooth(transpose(x, perm).mul(t64(c).transpose(perm))), [t64(c)], {
      order: 2,
    });
  });

  property.prop([transposeArb])(
    'shape rule and values (out[i] = x[i permuted]; default reverses)',
    ([c, perm]) => {
      const p = perm ?? range(c.shape.length).reverse();
      const y = checkShapeRule((x) => transpose(x, perm), [t64(c)]);
      const outShape = p.map((a) => c.shape[a]);
      const data = range(sizeOf(outShape)).map((i) => {
        const outIdx = unravel(i, outShape);
        const inIdx = new Array<number>(p.length);
        p.forEach((a, k) => {
          inIdx[a] = outIdx[k];
        });
        return c.data[ravel(inIdx, c.shape)];
      });
      expectTensor(y, { shape: outShape, data }, 'float64', { rtol: 0, atol: 0 });
    },
  );
});

describe('squeeze / expandDims', () => {
  property.prop([
    tensorCaseArb({ min: -3, max: 3 }, { maxRank: 3 }).chain((c) =>
      fc.tuple(fc.constant(c), fc.integer({ min: -(c.shape.length + 1), max: c.shape.length })),
    ),
  ])(
    'expandDims inserts a size-1 axis (negative axes count in the result); squeeze undoes it',
    ([c, axis]) => {
      const ax = axis < 0 ? axis + c.shape.length + 1 : axis;
      const y = checkShapeRule((x) => expandDims(x, axis), [t64(c)]);
      const shape = [...c.shape.slice(0, ax), 1, ...c.shape.slice(ax)];
      expectTensor(y, { shape, data: c.data }, 'float64', { rtol: 0, atol: 0 });
      const back = checkShapeRule((x) => squeeze(expandDims(x, axis), ax), [t64(c)]);
      expectTensor(back, c, 'float64', { rtol: 0, atol: 0 });
      gradCheck((x: Tensor) => smooth(expandDims(x, axis)), [t64(c)], { order: 2 });
    },
  );

  property.prop([tensorCaseArb()])('squeeze() drops every size-1 axis; grads flow back', (c) => {
    const y = checkShapeRule((x) => squeeze(x), [t64(c)]);
    expectTensor(y, { shape: c.shape.filter((d) => d !== 1), data: c.data }, 'float64', {
      rtol: 0,
      atol: 0,
    });
    gradCheck((x: Tensor) => smooth(squeeze(x)), [t64(c)], { order: 2 });
  });

  property.prop([
    tensorCaseArb({ min: -3, max: 3 }, { minRank: 1 }).filter((c) => c.shape.includes(1)),
  ])('squeeze of a chosen size-1 axis (and a negative one) keeps the others', (c) => {
    const ax = c.shape.indexOf(1);
    const y = checkShapeRule((x) => squeeze(x, ax - c.shape.length), [t64(c)]);
    expect([...y.shape]).toEqual(c.shape.filter((_, i) => i !== ax));
  });
});

describe('slice (with steps) and pad (its transpose)', () => {
  function refSlice({
    c,
    starts,
    limits,
    steps,
  }: {
    c: TensorCase;
    starts: number[];
    limits: number[];
    steps: number[];
  }) {
    const shape = starts.map((s, i) => Math.ceil((limits[i] - s) / steps[i]));
    const positions = range(sizeOf(shape)).map((i) =>
      ravel(
        unravel(i, shape).map((k, a) => starts[a] + k * steps[a]),
        c.shape,
      ),
    );
    return { shape, positions };
  }

  property.prop([sliceArb], { numRuns: 20 })(
    'checkGrads, order 2',
    ({ c, starts, limits, steps }) => {
      gradCheck((x: Tensor) => slice(x, starts, limits, steps), [t64(c)], { order: 2 });
      gradCheck((x: Tensor) => smooth(slice(x, starts, limits, steps)), [t64(c)], { order: 2 });
    },
  );

  property.prop([sliceArb])('shape rule and values x[start:limit:step] per axis', (s) => {
    const y = checkShapeRule((x) => slice(x, s.starts, s.limits, s.steps), [t64(s.c)]);
    const { shape, positions } = refSlice(s);
    expectTensor(y, { shape, data: positions.map((p) => s.c.data[p]) }, 'float64', {
      rtol: 0,
      atol: 0,
    });
  });

  property.prop([sliceArb])(
    'vjp of slice is pad: the cotangent lands on the sliced positions, zeros elsewhere',
    (s) => {
      const { shape, positions } = refSlice(s);
      const [, pullback] = vjp((x: Tensor) => slice(x, s.starts, s.limits, s.steps), t64(s.c));
      const ctData = range(sizeOf(shape)).map((i) => i + 1);
      const [g] = pullback(t64({ shape, data: ctData }));
      const expected = new Array<number>(s.c.data.length).fill(0);
      positions.forEach((p, i) => {
        expected[p] = ctData[i];
      });
      expectTensor(g, { shape: s.c.shape, data: expected }, 'float64', { rtol: 0, atol: 0 });
    },
  );

  property.prop([sliceArb], { numRuns: 20 })(
    'pad appears in the IR of the gradient and its shape rule agrees',
    (s) => {
      const df = grad((x: Tensor) => smooth(slice(x, s.starts, s.limits, s.steps)));
      const prog = makeJaxpr(df)(t64(s.c));
      const isIdentity = s.starts.every(
        (st, i) => st === 0 && s.limits[i] === s.c.shape[i] && s.steps[i] === 1,
      );
      expect(prog.closed.jaxpr.eqns.some((e) => e.prim.name === 'pad')).toBe(!isIdentity);
      const g = checkShapeRule(df, [t64(s.c)]);
      // d/dx Σ slice(x)² = 2x on the window, 0 elsewhere.
      const expected = new Array<number>(s.c.data.length).fill(0);
      for (const p of refSlice(s).positions) expected[p] = 2 * s.c.data[p];
      expectClose(g.data(), expected, { rtol: 1e-15 });
      // Second order exercises pad's own jvp and transpose (pad is linear; its transpose is slice).
      gradCheck(df, [t64(s.c)], { order: 2 });
    },
  );

  test('slice defaults steps to 1 and an empty window gives a zero-size axis', () => {
    const x = tensor(new Float64Array(range(12)), { shape: [3, 4] });
    const y = slice(x, [1, 1], [3, 3]);
    expect([...y.shape]).toEqual([2, 2]);
    expect(Array.from(y.data())).toEqual([5, 6, 9, 10]);
    const empty = slice(x, [1, 2], [1, 4]);
    expect([...empty.shape]).toEqual([0, 2]);
    expect(empty.size).toBe(0);
  });
});

describe('concatenate / stack', () => {
  /** 1..3 parts agreeing on every axis but `axis`. */
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

  function refConcat(parts: TensorCase[], axis: number): TensorCase {
    const shape = [...parts[0].shape];
    shape[axis] = parts.reduce((n, p) => n + p.shape[axis], 0);
    const data = range(sizeOf(shape)).map((i) => {
      const idx = unravel(i, shape);
      let k = idx[axis];
      for (const p of parts) {
        if (k < p.shape[axis])
          return p.data[
            ravel(
              idx.map((v, a) => (a === axis ? k : v)),
              p.shape,
            )
          ];
        k -= p.shape[axis];
      }
      throw new Error('unreachable');
    });
    return { shape, data };
  }

  property.prop([concatArb], { numRuns: 20 })(
    'checkGrads w.r.t. every part, order 2',
    ({ parts, axis }) => {
      gradCheck((...xs: Tensor[]) => concatenate(xs, axis), parts.map(t64), { order: 2 });
      gradCheck(
        (...xs: Tensor[]) => smooth(concat(xs, axis - parts[0].shape.length)),
        parts.map(t64),
        { order: 2 },
      );
    },
  );

  property.prop([concatArb])('shape rule and values by index mapping', ({ parts, axis }) => {
    const y = checkShapeRule((...xs) => concatenate(xs, axis), parts.map(t64));
    expectTensor(y, refConcat(parts, axis), 'float64', { rtol: 0, atol: 0 });
  });

  const stackArb = shapeArb({ maxRank: 3 }).chain((shape) =>
    fc.tuple(
      fc.array(caseOfShapeArb(shape), { minLength: 1, maxLength: 3 }),
      fc.integer({ min: -(shape.length + 1), max: shape.length }),
    ),
  );

  property.prop([stackArb], { numRuns: 20 })('stack: checkGrads, order 2', ([parts, axis]) => {
    gradCheck((...xs: Tensor[]) => smooth(stack(xs, axis)), parts.map(t64), { order: 2 });
  });

  property.prop([stackArb])(
    'stack: shape rule and values (a new axis at `axis`)',
    ([parts, axis]) => {
      const rank = parts[0].shape.length;
      const ax = axis < 0 ? axis + rank + 1 : axis;
      const y = checkShapeRule((...xs) => stack(xs, axis), parts.map(t64));
      const expanded = parts.map((p) => ({
        shape: [...p.shape.slice(0, ax), 1, ...p.shape.slice(ax)],
        data: p.data,
      }));
      expectTensor(y, refConcat(expanded, ax), 'float64', { rtol: 0, atol: 0 });
    },
  );
});
