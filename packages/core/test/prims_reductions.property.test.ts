// reduce_sum / reduce_max / reduce_min (through sum / max / min / mean with axis and keepdims)
// and argmax / argmin: gradients, shape rule, and values against plain-JS reductions.
import { fc, test as property } from '@fast-check/vitest';
import {
  argmax,
  argmin,
  exp,
  grad,
  jvp,
  max,
  mean,
  min,
  sum,
  type Tensor,
  take,
  tensor,
} from '@loom/core';
import { describe, expect, test } from 'vitest';
import {
  type AxisSpec,
  axisSpecArb,
  caseOfShapeArb,
  checkShapeRule,
  distinctCaseArb,
  expectClose,
  expectTensor,
  gradCheck,
  ravel,
  refReduce,
  resolveAxes,
  shapeArb,
  type TensorCase,
  t64,
  tiedCaseArb,
  unravel,
} from './arbitraries.js';

/** A tensor case together with an axis argument and keepdims. */
const reductionArb = (data: (shape: number[]) => fc.Arbitrary<TensorCase>) =>
  shapeArb().chain((shape) => fc.tuple(data(shape), axisSpecArb(shape.length), fc.boolean()));

const anyData = (shape: number[]) => caseOfShapeArb(shape, { min: -3, max: 3 });

interface ReductionCase {
  name: string;
  f: (x: Tensor, axis: AxisSpec, keepdims: boolean) => Tensor;
  init: number;
  combine: (acc: number, x: number) => number;
  /** Generator of inputs: distinct values for max/min (unique arg-extreme, so differentiable). */
  data: (shape: number[]) => fc.Arbitrary<TensorCase>;
  finish?: (acc: number, count: number) => number;
}

const reductions: ReductionCase[] = [
  { name: 'sum', f: sum, init: 0, combine: (a, x) => a + x, data: anyData },
  { name: 'max', f: max, init: -Infinity, combine: Math.max, data: distinctCaseArb },
  { name: 'min', f: min, init: Infinity, combine: Math.min, data: distinctCaseArb },
  {
    name: 'mean',
    f: mean,
    init: 0,
    combine: (a, x) => a + x,
    data: anyData,
    finish: (a, n) => a / n,
  },
];

describe.each(reductions)('$name', ({ f, init, combine, data, finish }) => {
  property.prop([reductionArb(data)], { numRuns: 20 })(
    'checkGrads fwd+rev, order 2',
    ([c, axis, keepdims]) => {
      gradCheck((x: Tensor) => f(x, axis, keepdims), [t64(c)], { order: 2 });
    },
  );

  property.prop([reductionArb(data)], { numRuns: 20 })(
    'checkGrads of a smooth function of it, order 2',
    ([c, axis, keepdims]) => {
      gradCheck((x: Tensor) => exp(f(x.mul(0.5), axis, keepdims)).sum(), [t64(c)], { order: 2 });
    },
  );

  property.prop([reductionArb(data)])(
    'shape rule and values (axis, keepdims) match a JS loop',
    ([c, axis, keepdims]) => {
      const out = checkShapeRule((x) => f(x, axis, keepdims), [t64(c)]);
      const axes = resolveAxes(axis, c.shape.length);
      const expected = refReduce(c, axes, init, combine, keepdims);
      if (finish) {
        const count = axes.reduce((n, a) => n * c.shape[a], 1);
        expected.data = expected.data.map((v) => finish(v, count));
      }
      expectTensor(out, expected, 'float64', { rtol: 1e-13, atol: 1e-13 });
    },
  );
});

describe('reduction gradients in closed form', () => {
  property.prop([reductionArb(anyData)])(
    'grad of sum(x, axis) is ones; of mean is 1/count',
    ([c, axis, keepdims]) => {
      const g = grad((x: Tensor) => sum(x, axis, keepdims).sum())(t64(c));
      expect(Array.from(g.data())).toEqual(c.data.map(() => 1));
      const axes = resolveAxes(axis, c.shape.length);
      const count = axes.reduce((n, a) => n * c.shape[a], 1);
      const gm = grad((x: Tensor) => mean(x, axis, keepdims).sum())(t64(c));
      expectClose(
        gm.data(),
        c.data.map(() => 1 / count),
        { rtol: 1e-15 },
      );
    },
  );

  property.prop([reductionArb(distinctCaseArb)])(
    'grad of max(x, axis) is the one-hot mask of the maxima',
    ([c, axis]) => {
      const axes = resolveAxes(axis, c.shape.length);
      const g = grad((x: Tensor) => max(x, axis).sum())(t64(c));
      const maxima = refReduce(c, axes, -Infinity, Math.max);
      const expected = c.data.map((v, flat) => {
        const outIdx = unravel(flat, c.shape).filter((_, i) => !axes.includes(i));
        return v === maxima.data[ravel(outIdx, maxima.shape)] ? 1 : 0;
      });
      expect(Array.from(g.data())).toEqual(expected);
    },
  );

  test('ties in max share the gradient equally (mask / count)', () => {
    const x = tensor(new Float64Array([1, 3, 3, 0, 2, 2, 2, 1]), { shape: [2, 4] });
    const g = grad((a: Tensor) => max(a, 1).sum())(x);
    expectClose(g.data(), [0, 0.5, 0.5, 0, 1 / 3, 1 / 3, 1 / 3, 0], { rtol: 1e-15 });
  });

  property.prop([tiedCaseArb([3, 4])])('sum of bool counts true values (int32)', (c) => {
    const b = t64(c).gt(0);
    const counts = sum(b, 1);
    expect(counts.dtype).toBe('int32');
    expect(Array.from(counts.data())).toEqual(
      [0, 1, 2].map((r) => c.data.slice(4 * r, 4 * r + 4).filter((v) => v > 0).length),
    );
  });
});

/** A tensor case of rank ≥ 1 and an axis (maybe negative) for argmax/argmin. */
const argArb = (data: (shape: number[]) => fc.Arbitrary<TensorCase>) =>
  shapeArb({ minRank: 1 }).chain((shape) =>
    fc.tuple(data(shape), fc.integer({ min: -shape.length, max: shape.length - 1 })),
  );

/** First index of the extreme along `axis` (numpy semantics: ties go to the first). */
function refArg(
  c: TensorCase,
  axis: number,
  better: (a: number, b: number) => boolean,
): TensorCase {
  const ax = axis < 0 ? axis + c.shape.length : axis;
  const outShape = c.shape.filter((_, i) => i !== ax);
  const data = Array.from({ length: outShape.reduce((a, b) => a * b, 1) }, (_, o) => {
    const outIdx = unravel(o, outShape);
    let best = 0;
    for (let j = 1; j < c.shape[ax]; j++) {
      const at = (k: number) =>
        c.data[ravel([...outIdx.slice(0, ax), k, ...outIdx.slice(ax)], c.shape)];
      if (better(at(j), at(best))) best = j;
    }
    return best;
  });
  return { shape: outShape, data };
}

describe.each([
  { name: 'argmax', f: argmax, better: (a: number, b: number) => a > b },
  { name: 'argmin', f: argmin, better: (a: number, b: number) => a < b },
])('$name', ({ f, better }) => {
  property.prop([argArb(tiedCaseArb)])(
    'shape rule and values (int32, first index on ties)',
    ([c, axis]) => {
      const out = checkShapeRule((x) => f(x, axis), [t64(c)]);
      expectTensor(out, refArg(c, axis, better), 'int32');
    },
  );

  property.prop([argArb(distinctCaseArb)], { numRuns: 20 })(
    'int32 output has no tangent; take(x, arg(x)) differentiates like the extreme',
    ([c, axis]) => {
      const x = t64(c);
      const [, tangent] = jvp((a: Tensor) => f(a, axis), [x], [x]);
      expect(tangent.dtype).toBe('int32');
      expect(Array.from(tangent.data()).every((v) => v === 0)).toBe(true);
      gradCheck((a: Tensor) => take(a, f(a, axis), axis), [x], { order: 2 });
    },
  );

  test('default axis is the last one', () => {
    const x = tensor(new Float64Array([0, 5, 1, 7, 2, 3]), { shape: [2, 3] });
    expect(Array.from(f(x).data())).toEqual(f === argmax ? [1, 0] : [0, 1]);
  });
});
