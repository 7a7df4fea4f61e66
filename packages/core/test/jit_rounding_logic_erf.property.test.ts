// `jit(f)` equals `f` for the rounding, predicate, logical and erf primitives and the composites
// built on them (variance, std, logAddExp, gelu, silu, elu, leakyRelu), alone and inside fused
// chains, on both lowerings (this file runs under the js and wasm-threads projects too).
import { fc, test } from '@fast-check/vitest';
import {
  ceil,
  elu,
  erf,
  floor,
  gelu,
  grad,
  isfinite,
  isinf,
  isnan,
  leakyRelu,
  logAddExp,
  logicalAnd,
  logicalNot,
  logicalOr,
  logicalXor,
  round,
  select,
  silu,
  std,
  type Tensor,
  tensor,
  trunc,
  variance,
} from '@loom/core';
import { describe } from 'vitest';
import {
  broadcastShapesArb,
  shapeArb,
  sizeOf,
  type TensorCase,
  tensorCaseArb,
} from './arbitraries.js';
import { expectJitMatches, floatDtypeArb, tensorOf } from './jit_helpers.js';

/** Values with ties for rounding and the special floats for the predicates. */
const edgyValueArb = fc.oneof(
  fc.integer({ min: -12, max: 12 }).map((k) => k / 4),
  fc.double({ min: -50, max: 50, noNaN: true }),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0),
);
const edgyCaseArb = shapeArb().chain((shape) =>
  fc
    .array(edgyValueArb, { minLength: sizeOf(shape), maxLength: sizeOf(shape) })
    .map((data): TensorCase => ({ shape, data })),
);

describe('rounding and float predicates', () => {
  const ops: { name: string; f: (x: Tensor) => Tensor }[] = [
    { name: 'floor', f: floor },
    { name: 'ceil', f: ceil },
    { name: 'round', f: round },
    { name: 'trunc', f: trunc },
    { name: 'erf', f: erf },
    { name: 'isnan', f: isnan },
    { name: 'isinf', f: isinf },
    { name: 'isfinite', f: isfinite },
  ];
  describe.each(ops)('$name', ({ f }) => {
    test.prop([edgyCaseArb, floatDtypeArb])('alone and inside a fused chain', (c, dt) => {
      const x = tensorOf(c, dt);
      expectJitMatches(f, [x]);
      expectJitMatches(
        (a: Tensor) => {
          const y = f(a.mul(1.5).add(0.25));
          // The result feeds a select (bool) or arithmetic (float), reusing it twice.
          return y.dtype === 'bool' ? select(y, a, a.mul(-2)) : y.mul(y).sub(a);
        },
        [x],
      );
    });
  });
});

describe('logical operations', () => {
  const boolCasesArb = broadcastShapesArb(2).chain((shapes) =>
    fc.tuple(
      ...shapes.map((s) =>
        fc
          .array(fc.boolean(), { minLength: sizeOf(s), maxLength: sizeOf(s) })
          .map((bs): TensorCase => ({ shape: s, data: bs.map(Number) })),
      ),
    ),
  );
  const binary = [logicalAnd, logicalOr, logicalXor];
  test.prop([boolCasesArb])('and/or/xor/not on bools with broadcasting, chained', ([a, b]) => {
    const x = tensorOf(a, 'bool');
    const y = tensorOf(b, 'bool');
    for (const f of binary) {
      expectJitMatches(f, [x, y]);
      expectJitMatches((p: Tensor, q: Tensor) => logicalNot(f(logicalNot(p), q)), [x, y]);
    }
  });

  test.prop([tensorCaseArb({ min: -2, max: 2 }), floatDtypeArb])(
    'numeric operands through their truthiness, fused with comparisons',
    (c, dt) => {
      const x = tensorOf(c, dt);
      expectJitMatches((a: Tensor) => logicalXor(a.gt(0.5), logicalAnd(a, round(a.mul(3)))), [x]);
    },
  );
});

describe('composites', () => {
  const axisCaseArb = tensorCaseArb({ min: -3, max: 3 }, { minRank: 1 }).chain((c) =>
    fc.tuple(fc.constant(c), fc.integer({ min: 0, max: c.shape.length - 1 }), fc.boolean()),
  );
  test.prop([axisCaseArb, floatDtypeArb])(
    'variance and std with ddof',
    ([c, axis, keepdims], dt) => {
      const x = tensorOf(c, dt);
      const ddof = c.shape[axis] > 1 ? 1 : 0;
      expectJitMatches((a: Tensor) => variance(a, axis, { keepdims, ddof }), [x]);
      expectJitMatches((a: Tensor) => std(a.mul(2), null, { keepdims }).add(1), [x]);
    },
  );

  test.prop([broadcastShapesArb(2), floatDtypeArb, fc.nat()])(
    'logAddExp with broadcasting, infinities and its gradient',
    ([sa, sb], dt, seed) => {
      const fill = (s: number[], k: number) =>
        Array.from({ length: sizeOf(s) }, (_, i) => {
          const v = Math.sin(seed + 7 * i + 13 * k) * 20;
          return i % 5 === 4 ? Number.NEGATIVE_INFINITY : v;
        });
      const a = tensor(fill(sa, 0), { shape: sa, dtype: dt });
      const b = tensor(fill(sb, 1), { shape: sb, dtype: dt });
      expectJitMatches(logAddExp, [a, b]);
      expectJitMatches(
        grad((p: Tensor, q: Tensor) => logAddExp(p, q).sum(), { argnums: [0, 1] }),
        [a, b],
      );
    },
  );

  const activations: { name: string; f: (x: Tensor) => Tensor }[] = [
    { name: 'gelu', f: (x) => gelu(x) },
    { name: 'gelu exact', f: (x) => gelu(x, { approximate: false }) },
    { name: 'silu', f: silu },
    { name: 'elu', f: (x) => elu(x, 0.5) },
    { name: 'leakyRelu', f: (x) => leakyRelu(x, 0.1) },
  ];
  describe.each(activations)('$name', ({ f }) => {
    test.prop([tensorCaseArb({ min: -6, max: 6 }), floatDtypeArb])(
      'values and gradient',
      (c, dt) => {
        const x = tensorOf(c, dt);
        expectJitMatches(f, [x]);
        expectJitMatches(
          grad((a: Tensor) => f(a).sum()),
          [x],
        );
      },
    );
  });
});
