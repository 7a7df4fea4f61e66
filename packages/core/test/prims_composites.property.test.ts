// Composite operations built from primitives: softmax, logSoftmax, logSumExp (numerically
// stable), relu, softplus, square, oneHot, mean.
import { fc, test as property } from '@fast-check/vitest';
import {
  grad,
  logSoftmax,
  logSumExp,
  mean,
  oneHot,
  relu,
  softmax,
  softplus,
  square,
  type Tensor,
  tensor,
} from '@loom/core';
import { describe, expect, test } from 'vitest';
import {
  alongAxis,
  caseOfShapeArb,
  checkShapeRule,
  expectClose,
  expectTensor,
  gradCheck,
  i32,
  range,
  ravel,
  refElementwise,
  shapeArb,
  sizeOf,
  t64,
  tensorCaseArb,
  unravel,
} from './arbitraries.js';

/** A case of rank ≥ 1 and an axis (maybe negative). */
const axisCaseArb = (range_ = { min: -5, max: 5 }) =>
  shapeArb({ minRank: 1 }).chain((shape) =>
    fc.tuple(
      caseOfShapeArb(shape, range_),
      fc.integer({ min: -shape.length, max: shape.length - 1 }),
    ),
  );

const refLse = (xs: number[]) => {
  const m = Math.max(...xs);
  return m + Math.log(xs.reduce((s, v) => s + Math.exp(v - m), 0));
};

describe('softmax', () => {
  property.prop([axisCaseArb()], { numRuns: 20 })('checkGrads, order 2', ([c, axis]) => {
    gradCheck((x: Tensor) => softmax(x, axis), [t64(c)], { order: 2 });
  });

  property.prop([axisCaseArb()])('shape rule and values; rows sum to 1', ([c, axis]) => {
    const out = checkShapeRule((x) => softmax(x, axis), [t64(c)]);
    const expected = alongAxis(c, axis, (xs) => xs.map((v) => Math.exp(v - refLse(xs))));
    expectTensor(out, expected, 'float64', { rtol: 1e-13, atol: 1e-15 });
    expectClose(
      alongAxis({ shape: c.shape, data: Array.from(out.data()) }, axis, (xs) =>
        xs.map(() => xs.reduce((s, v) => s + v, 0)),
      ).data,
      c.data.map(() => 1),
      { rtol: 1e-14 },
    );
  });

  property.prop([axisCaseArb()])(
    'stable: softmax(x + 1000) = softmax(x), all finite',
    ([c, axis]) => {
      const big = softmax(t64(c).add(1000), axis);
      expect(Array.from(big.data()).every(Number.isFinite)).toBe(true);
      expectClose(big.data(), softmax(t64(c), axis).data(), { rtol: 1e-9, atol: 1e-12 });
    },
  );
});

describe('logSoftmax', () => {
  property.prop([axisCaseArb()], { numRuns: 20 })('checkGrads, order 2', ([c, axis]) => {
    gradCheck((x: Tensor) => logSoftmax(x, axis), [t64(c)], { order: 2 });
  });

  property.prop([axisCaseArb()])('shape rule and values x − logΣexp(x)', ([c, axis]) => {
    const out = checkShapeRule((x) => logSoftmax(x, axis), [t64(c)]);
    expectTensor(
      out,
      alongAxis(c, axis, (xs) => xs.map((v) => v - refLse(xs))),
      'float64',
      { rtol: 1e-13, atol: 1e-13 },
    );
  });

  property.prop([axisCaseArb()])(
    'stable at 1000: equals the shifted computation and is finite',
    ([c, axis]) => {
      const big = logSoftmax(t64(c).add(1000), axis);
      expect(Array.from(big.data()).every(Number.isFinite)).toBe(true);
      expectClose(big.data(), logSoftmax(t64(c), axis).data(), { rtol: 1e-9, atol: 1e-9 });
    },
  );
});

describe('logSumExp', () => {
  const lseArb = axisCaseArb().chain(([c, axis]) =>
    fc.tuple(fc.constant(c), fc.constant(axis), fc.boolean()),
  );

  property.prop([lseArb], { numRuns: 20 })('checkGrads, order 2', ([c, axis, keepdims]) => {
    gradCheck((x: Tensor) => logSumExp(x, axis, keepdims), [t64(c)], { order: 2 });
  });

  property.prop([lseArb])('shape rule and values (keepdims or not)', ([c, axis, keepdims]) => {
    const out = checkShapeRule((x) => logSumExp(x, axis, keepdims), [t64(c)]);
    const ax = axis < 0 ? axis + c.shape.length : axis;
    const full = alongAxis(c, axis, (xs) => xs.map(() => refLse(xs)));
    const reducedShape = c.shape.map((d, i) => (i === ax ? 1 : d));
    const data = range(sizeOf(reducedShape)).map(
      (i) => full.data[ravel(unravel(i, reducedShape), c.shape)],
    );
    const shape = keepdims ? reducedShape : c.shape.filter((_, i) => i !== ax);
    expectTensor(out, { shape, data }, 'float64', { rtol: 1e-13, atol: 1e-13 });
  });

  property.prop([lseArb])(
    'inputs around 1000 give finite results equal to the shifted computation',
    ([c, axis, keepdims]) => {
      const big = logSumExp(t64(c).add(1000), axis, keepdims);
      expect(Array.from(big.data()).every(Number.isFinite)).toBe(true);
      expectClose(big.data(), logSumExp(t64(c), axis, keepdims).add(1000).data(), { rtol: 1e-13 });
      // and the gradient (softmax) is finite too
      const g = grad((x: Tensor) => logSumExp(x, axis).sum())(t64(c).add(1000));
      expect(Array.from(g.data()).every(Number.isFinite)).toBe(true);
      expectClose(g.data(), softmax(t64(c), axis).data(), { rtol: 1e-9, atol: 1e-12 });
    },
  );

  test('masked entries (−∞) are ignored by logSumExp and get probability 0 in softmax', () => {
    const x = tensor(new Float64Array([-Infinity, 0, 1, -Infinity]), { shape: [4] });
    expectClose([logSumExp(x).item()], [refLse([0, 1])], { rtol: 1e-15 });
    expectClose(softmax(x).data(), [0, 1 / (1 + Math.E), Math.E / (1 + Math.E), 0], {
      rtol: 1e-15,
    });
  });

  test('a fully masked row (all −∞) has logSumExp −∞, not NaN (as in JAX)', () => {
    // BUG (ops/activations.ts): the shift m = max(x) is −∞, so x − m = −∞ − (−∞) = NaN. Proposed
    // fix in the report: shift by 0 where the maximum is not finite.
    const x = tensor(new Float64Array([-Infinity, -Infinity, 0, 1]), { shape: [2, 2] });
    expect(Array.from(logSumExp(x, 1).data())).toEqual([-Infinity, refLse([0, 1])]);
  });

  test('logSumExp of [1000, 1000] is 1000 + log 2 (naive exp would overflow)', () => {
    const x = tensor(new Float64Array([1000, 1000]));
    expect(logSumExp(x).item()).toBeCloseTo(1000 + Math.LN2, 10);
    expect(Array.from(softmax(x).data())).toEqual([0.5, 0.5]);
  });
});

describe('relu / softplus / square', () => {
  const awayRange = { min: -4, max: 4, awayFromZero: 0.1 };
  const cases = [
    {
      name: 'relu',
      f: relu,
      ref: (x: number) => Math.max(x, 0),
      df: (x: number) => (x > 0 ? 1 : 0),
    },
    {
      name: 'softplus',
      f: softplus,
      ref: (x: number) => Math.log(1 + Math.exp(x)),
      df: (x: number) => 1 / (1 + Math.exp(-x)),
    },
    { name: 'square', f: square, ref: (x: number) => x * x, df: (x: number) => 2 * x },
  ];

  describe.each(cases)('$name', ({ f, ref, df }) => {
    property.prop([tensorCaseArb(awayRange)], { numRuns: 20 })(
      'checkGrads away from 0, order 2',
      (c) => {
        gradCheck(f, [t64(c)], { order: 2 });
      },
    );

    property.prop([tensorCaseArb(awayRange)])('shape rule, values and derivative', (c) => {
      const out = checkShapeRule(f, [t64(c)]);
      expectTensor(out, refElementwise(ref, [c]), 'float64', { rtol: 1e-13, atol: 1e-15 });
      const g = grad((x: Tensor) => f(x).sum())(t64(c));
      expectTensor(g, refElementwise(df, [c]), 'float64', { rtol: 1e-13, atol: 1e-15 });
    });
  });

  test('relu has derivative 0 at 0; softplus has derivative 1/2 at 0', () => {
    const z = tensor(new Float64Array([0]));
    expect(grad((x: Tensor) => relu(x).sum())(z).item()).toBe(0);
    expect(grad((x: Tensor) => softplus(x).sum())(z).item()).toBeCloseTo(0.5, 15);
  });

  property.prop([fc.double({ min: 30, max: 700, noNaN: true })])(
    'softplus is stable for large |x|',
    (v) => {
      const x = tensor(new Float64Array([v, -v]));
      const out = Array.from(softplus(x).data());
      expect(out[0]).toBeCloseTo(v, 10);
      expect(out[1]).toBeGreaterThanOrEqual(0);
      expect(out[1]).toBeCloseTo(Math.exp(-v), 12);
    },
  );
});

describe('oneHot', () => {
  const oneHotArb = fc.integer({ min: 1, max: 5 }).chain((depth) =>
    shapeArb({ maxRank: 3 }).chain((shape) =>
      fc.tuple(
        fc.constant(depth),
        fc
          .array(fc.integer({ min: 0, max: depth - 1 }), {
            minLength: sizeOf(shape),
            maxLength: sizeOf(shape),
          })
          .map((data) => ({ shape, data })),
        fc.constantFrom('float32' as const, 'float64' as const, 'int32' as const),
      ),
    ),
  );

  property.prop([oneHotArb])(
    // Out-of-range indices raise IndexError eagerly and give NaN rows when traced (issue13_indices).
    'shape rule and values',
    ([depth, idx, dtype]) => {
      const out = checkShapeRule((i) => oneHot(i, depth, dtype), [i32(idx.data, idx.shape)]);
      const data = idx.data.flatMap((k) => range(depth).map((j) => (j === k ? 1 : 0)));
      expectTensor(out, { shape: [...idx.shape, depth], data }, dtype, { rtol: 0, atol: 0 });
    },
  );

  property.prop([oneHotArb.filter(([, idx]) => idx.shape.length >= 1)], { numRuns: 20 })(
    'cross-entropy through oneHot: checkGrads w.r.t. logits, order 2',
    ([depth, idx]) => {
      const labels = oneHot(i32(idx.data, idx.shape), depth, 'float64');
      const logits = t64({
        shape: [...idx.shape, depth],
        data: range(idx.data.length * depth).map((i) => Math.sin(i)),
      });
      gradCheck((z: Tensor) => logSoftmax(z).mul(labels).sum().neg(), [logits], { order: 2 });
    },
  );
});

describe('mean', () => {
  property.prop([tensorCaseArb()], { numRuns: 20 })(
    'mean over everything: checkGrads order 2 and value',
    (c) => {
      gradCheck((x: Tensor) => mean(x), [t64(c)], { order: 2 });
      const out = checkShapeRule((x) => mean(x), [t64(c)]);
      expect([...out.shape]).toEqual([]);
      expectClose(out.data(), [c.data.reduce((s, v) => s + v, 0) / c.data.length], {
        rtol: 1e-13,
        atol: 1e-14,
      });
    },
  );

  test('mean of int32 gives float32', () => {
    const m = mean(tensor([1, 2, 4], { dtype: 'int32' }));
    expect(m.dtype).toBe('float32');
    expect(m.item()).toBeCloseTo(7 / 3, 6);
  });
});
