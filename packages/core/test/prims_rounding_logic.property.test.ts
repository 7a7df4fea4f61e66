// floor, ceil, round, trunc, isnan/isinf/isfinite and the logical operations: values against
// independent JS references, shape rules, zero derivatives, batching, dtype handling and errors.
import { fc, test } from '@fast-check/vitest';
import {
  ceil,
  DtypeError,
  floor,
  grad,
  InvalidArgumentError,
  isfinite,
  isinf,
  isnan,
  jvp,
  logicalAnd,
  logicalNot,
  logicalOr,
  logicalXor,
  round,
  ShapeError,
  squeeze,
  type Tensor,
  take,
  tensor,
  trunc,
  vmap,
} from '@loom/core';
import { describe, expect, it } from 'vitest';
import { logicalAndPrim } from '../src/prims/logical.js';
import { floorPrim } from '../src/prims/rounding.js';
import { bind1 } from '../src/trace/trace.js';
import {
  broadcastShapesArb,
  checkShapeRule,
  expectTensor,
  gradCheck,
  refElementwise,
  shapeArb,
  sizeOf,
  type TensorCase,
  t64,
} from './arbitraries.js';
import { expectError } from './expect_error.js';

/** Half to even, decided from the fraction (independent of the kernel's 2·round(x/2) trick). */
function halfToEven(x: number): number {
  if (!Number.isFinite(x)) return x;
  const f = Math.floor(x);
  const fraction = x - f;
  if (fraction < 0.5) return f;
  if (fraction > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/** Infinities (and NaN) are their own integral part; `%` would turn them into NaN. */
const integral =
  (f: (x: number) => number) =>
  (x: number): number =>
    Number.isFinite(x) ? f(x) : x;

// References from the remainder x % 1 (exact for doubles), not from Math.floor and friends.
const rounding: { name: string; f: (x: Tensor) => Tensor; ref: (x: number) => number }[] = [
  { name: 'floor', f: floor, ref: integral((x) => x - (x % 1) - (x % 1 < 0 ? 1 : 0)) },
  { name: 'ceil', f: ceil, ref: integral((x) => x - (x % 1) + (x % 1 > 0 ? 1 : 0)) },
  { name: 'round', f: round, ref: halfToEven },
  { name: 'trunc', f: trunc, ref: integral((x) => x - (x % 1)) },
];

/** Values with many exact halves and quarters (where rounding modes differ) and plain doubles. */
const roundingValueArb = fc.oneof(
  fc.integer({ min: -40, max: 40 }).map((k) => k / 4),
  fc.double({ min: -1e6, max: 1e6, noNaN: true }),
  fc.constantFrom(2 ** 52 + 1, -(2 ** 52) - 1, 0.49999999999999994, -0.5, 1e300),
);
const roundingCaseArb = shapeArb().chain((shape) =>
  fc
    .array(roundingValueArb, { minLength: sizeOf(shape), maxLength: sizeOf(shape) })
    .map((data): TensorCase => ({ shape, data })),
);

describe.each(rounding)('$name', ({ f, ref }) => {
  test.prop([roundingCaseArb])('values match the reference (float64 and float32)', (c) => {
    const out = checkShapeRule(f, [t64(c)]);
    expectTensor(out, refElementwise(ref, [c]), 'float64', { rtol: 0, atol: 0 });
    const x32 = tensor(c.data, { shape: c.shape, dtype: 'float32' });
    const want32 = refElementwise((v) => ref(Math.fround(v)), [c]);
    expectTensor(f(x32), want32, 'float32', { rtol: 0, atol: 0 });
  });

  // Away from the jumps (k + 0.1 … k + 0.4) finite differences see a constant: derivative 0.
  const flatCaseArb = shapeArb().chain((shape) =>
    fc
      .array(
        fc.tuple(fc.integer({ min: -5, max: 5 }), fc.double({ min: 0.1, max: 0.4, noNaN: true })),
        { minLength: sizeOf(shape), maxLength: sizeOf(shape) },
      )
      .map((pairs): TensorCase => ({ shape, data: pairs.map(([k, u]) => k + u) })),
  );
  test.prop([flatCaseArb], { numRuns: 15 })('zero derivative: checkGrads, grad and jvp', (c) => {
    const x = t64(c);
    gradCheck((a: Tensor) => f(a).mul(a), [x], { order: 2 });
    const g = grad((a: Tensor) => f(a).sum())(x);
    expectTensor(g, { shape: c.shape, data: c.data.map(() => 0) }, 'float64', { atol: 0 });
    const [, dy] = jvp(f, [x], [x]);
    expectTensor(dy, { shape: c.shape, data: c.data.map(() => 0) }, 'float64', { atol: 0 });
  });

  test.prop([fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: 1, maxLength: 6 })])(
    'int32 and bool inputs come back unchanged',
    (xs) => {
      const x = tensor(xs, { dtype: 'int32' });
      expect(f(x)).toBe(x);
      const b = tensor(
        xs.map((v) => v > 0),
        { dtype: 'bool' },
      );
      expect(f(b)).toBe(b);
    },
  );
});

describe('rounding edge values', () => {
  it('round goes half to even and keeps the sign of zero, as numpy', () => {
    const x = tensor(
      new Float64Array([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, -0.4, 0.49999999999999994]),
    );
    const out = Array.from(round(x).data());
    expect(out).toEqual([0, 2, 2, -0, -2, -2, -0, 0]);
    expect(Object.is(out[3], -0) && Object.is(out[6], -0)).toBe(true);
    const special = round(tensor(new Float64Array([Number.NaN, Number.POSITIVE_INFINITY])));
    expect(Number.isNaN(special.data()[0])).toBe(true);
    expect(special.data()[1]).toBe(Number.POSITIVE_INFINITY);
  });

  it('a JS number is rounded as a float32 scalar when fractional, kept when integral', () => {
    expect(floor(2.7).item()).toBe(2);
    expect(floor(2.7).dtype).toBe('float32');
    expect(ceil(3).dtype).toBe('int32');
  });

  test.prop([fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 })])(
    'vmap over a middle axis equals applying the op per example',
    (b, n) => {
      const data = Array.from({ length: 2 * b * n }, (_, i) => (i - b * n) / 4);
      const x = tensor(data, { shape: [2, b, n], dtype: 'float64' });
      const got = vmap(round, { inAxes: 1 })(x);
      for (let k = 0; k < b; k++) {
        const slice = squeeze(take(x, tensor([k], { dtype: 'int32' }), 1), 1);
        expect(Array.from(got.data().slice(k * 2 * n, (k + 1) * 2 * n))).toEqual(
          Array.from(round(slice).data()),
        );
      }
    },
  );
});

const SPECIALS = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -0];
const floatWithSpecialsArb = fc.oneof(
  fc.double({ noNaN: false }),
  fc.constantFrom(...SPECIALS, Number.MAX_VALUE, Number.MIN_VALUE),
);
const specialCaseArb = shapeArb().chain((shape) =>
  fc
    .array(floatWithSpecialsArb, { minLength: sizeOf(shape), maxLength: sizeOf(shape) })
    .map((data): TensorCase => ({ shape, data })),
);

const predicates: { name: string; f: (x: Tensor) => Tensor; ref: (x: number) => boolean }[] = [
  { name: 'isnan', f: isnan, ref: Number.isNaN },
  { name: 'isinf', f: isinf, ref: (x) => x === Number.POSITIVE_INFINITY || x === -Infinity },
  { name: 'isfinite', f: isfinite, ref: Number.isFinite },
];

describe.each(predicates)('$name', ({ f, ref }) => {
  test.prop([specialCaseArb])('bool values match Number.* (float64 and float32)', (c) => {
    const want = refElementwise((v) => (ref(v) ? 1 : 0), [c]);
    const out = checkShapeRule(f, [t64(c)]);
    expectTensor(out, want, 'bool', { rtol: 0, atol: 0 });
    const x32 = tensor(c.data, { shape: c.shape, dtype: 'float32' });
    const want32 = refElementwise((v) => (ref(Math.fround(v)) ? 1 : 0), [c]);
    expectTensor(f(x32), want32, 'bool', { rtol: 0, atol: 0 });
  });

  test.prop([fc.array(fc.integer(), { minLength: 1, maxLength: 5 })])(
    'int32 and bool tensors: every element finite, none NaN or infinite',
    (xs) => {
      for (const x of [tensor(xs, { dtype: 'int32' }), tensor(xs, { dtype: 'bool' })]) {
        const out = f(x);
        expect(out.dtype).toBe('bool');
        expect(Array.from(out.data())).toEqual(xs.map((v) => (ref(v) ? 1 : 0)));
      }
    },
  );

  it('has no tangent: a function through it differentiates to 0', () => {
    const x = tensor(new Float64Array([1, Number.NaN, 3]));
    const g = grad((a: Tensor) => a.mul(f(a).astype('float64')).sum())(x);
    // d/da [a · indicator(a)] = indicator(a), the indicator being constant.
    expect(Array.from(g.data())).toEqual([1, Number.NaN, 3].map((v) => (ref(v) ? 1 : 0)));
  });
});

const logical: {
  name: string;
  f: (x: Tensor | number, y: Tensor | number) => Tensor;
  ref: (a: boolean, b: boolean) => boolean;
}[] = [
  { name: 'logicalAnd', f: logicalAnd, ref: (a, b) => a && b },
  { name: 'logicalOr', f: logicalOr, ref: (a, b) => a || b },
  { name: 'logicalXor', f: logicalXor, ref: (a, b) => a !== b },
];

const boolCasesArb = broadcastShapesArb(2).chain((shapes) =>
  fc.tuple(
    ...shapes.map((s) =>
      fc
        .array(fc.boolean(), { minLength: sizeOf(s), maxLength: sizeOf(s) })
        .map((bs): TensorCase => ({ shape: s, data: bs.map(Number) })),
    ),
  ),
);
const boolTensor = (c: TensorCase) => tensor(c.data, { shape: c.shape, dtype: 'bool' });

describe.each(logical)('$name', ({ f, ref }) => {
  test.prop([boolCasesArb])('truth table with broadcasting', ([a, b]) => {
    const out = checkShapeRule(f, [boolTensor(a), boolTensor(b)]);
    const want = refElementwise((x, y) => (ref(x !== 0, y !== 0) ? 1 : 0), [a, b]);
    expectTensor(out, want, 'bool', { rtol: 0, atol: 0 });
  });

  test.prop([
    fc.array(fc.constantFrom(0, -0, 1, -2.5, Number.NaN, Number.POSITIVE_INFINITY), {
      minLength: 1,
      maxLength: 6,
    }),
    fc.constantFrom(0, 3, Number.NaN),
  ])('numeric operands count as true where ≠ 0 (NaN is true), numbers too', (xs, y) => {
    const out = f(tensor(new Float64Array(xs)), y);
    expect(out.dtype).toBe('bool');
    expect(Array.from(out.data())).toEqual(xs.map((v) => (ref(v !== 0, y !== 0) ? 1 : 0)));
  });

  it('names itself and both shapes when they do not broadcast', () => {
    const a = tensor([true, false, true], { dtype: 'bool' });
    const b = tensor([true, false], { dtype: 'bool' });
    expectError(() => f(a, b), ShapeError, 'logical_', '[3]', '[2]', 'cannot be broadcast');
  });
});

describe('logicalNot', () => {
  test.prop([fc.array(fc.boolean(), { minLength: 0, maxLength: 8 })])('flips bools', (bs) => {
    const out = logicalNot(tensor(bs.map(Number), { shape: [bs.length], dtype: 'bool' }));
    expect(out.dtype).toBe('bool');
    expect(Array.from(out.data())).toEqual(bs.map((b) => (b ? 0 : 1)));
  });

  it('is x = 0 for numbers, NaN included', () => {
    const x = tensor(new Float32Array([0, -0, 2, Number.NaN]));
    expect(Array.from(logicalNot(x).data())).toEqual([1, 1, 0, 0]);
    expect(logicalNot(0).item()).toBe(1);
    expect(logicalNot(0).dtype).toBe('bool');
  });
});

describe('errors', () => {
  it('operands that are not tensors or numbers are an InvalidArgumentError naming the op', () => {
    expectError(
      () => logicalAnd(tensor([true], { dtype: 'bool' }), [1] as unknown as Tensor),
      InvalidArgumentError,
      'logicalAnd: second operand is a JS array',
    );
    expectError(() => floor('1' as unknown as Tensor), InvalidArgumentError, 'floor', 'string');
    expectError(() => isnan(null as unknown as Tensor), InvalidArgumentError, 'isnan', 'null');
  });

  it('the primitives themselves reject the wrong dtype with a DtypeError', () => {
    const f32 = tensor([1, 0]);
    expectError(
      () => bind1(logicalAndPrim, [f32, f32], {}),
      DtypeError,
      'logical_and',
      'float32',
      'dtype bool is required',
    );
    const i = tensor([1, 2], { dtype: 'int32' });
    expectError(() => bind1(floorPrim, [i], {}), DtypeError, 'floor', 'int32', 'floating dtype');
  });
});
