// vmap of the structural operations of issue 15 equals applying them per example: batch axes at
// random positions, operands batched or shared, and for the dynamic window primitives every mix
// of a batched operand, a batched update and batched (per-example) start indices.
import { fc, test as property } from '@fast-check/vitest';
import {
  clip,
  cummax,
  cumprod,
  cumsum,
  dynamicSlice,
  dynamicUpdateSlice,
  einsum,
  flip,
  pad,
  repeat,
  reshape,
  split,
  squeeze,
  type Tensor,
  take,
  tensor,
  tile,
  vmap,
} from '@loom/core';
import { describe, expect, test } from 'vitest';
import { expectTensor, range, sizeOf } from './arbitraries.js';

/** Distinct-ish deterministic values so a misplaced element is visible. */
function filled(shape: number[], seed: number): Tensor {
  const n = sizeOf(shape);
  const data = range(n).map((i) => Math.round(Math.sin(seed * 7.1 + i * 1.7) * 400) / 64);
  return tensor(new Float64Array(data), { shape });
}

function example(x: Tensor, axis: number, b: number): Tensor {
  return squeeze(take(x, tensor([b], { dtype: 'int32' }), axis), axis);
}

/** vmap(f) over the batched args (axis per arg, null = shared) against a per-example loop. */
function expectVmapMatches(
  f: (...xs: Tensor[]) => Tensor,
  args: Tensor[],
  axes: (number | null)[],
  size: number,
): void {
  const got = vmap(f, { inAxes: axes })(...args);
  range(size).forEach((b) => {
    const want = f(...args.map((x, i) => (axes[i] === null ? x : example(x, axes[i]!, b))));
    const g = example(got, 0, b);
    expectTensor(g, { shape: [...want.shape], data: Array.from(want.data()) }, want.dtype, {
      rtol: 1e-12,
      atol: 1e-12,
    });
  });
}

const settingArb = fc.record({
  size: fc.integer({ min: 1, max: 3 }),
  shape: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
  axisPick: fc.nat(),
  seed: fc.nat(1000),
});

/** An operand of `shape` with a batch axis of `size` inserted at a picked position. */
function batched(shape: number[], size: number, pick: number, seed: number) {
  const axis = pick % (shape.length + 1);
  const full = [...shape];
  full.splice(axis, 0, size);
  return { x: filled(full, seed), axis };
}

describe('vmap of structural composites', () => {
  const unary: [string, (x: Tensor) => Tensor][] = [
    ['flip', (x) => flip(x, 0)],
    ['flip all', (x) => flip(x)],
    ['pad', (x) => pad(x, [1, 2], { constantValue: 3 })],
    ['tile', (x) => tile(x, [2, 1])],
    ['repeat', (x) => repeat(x, 2, -1)],
    [
      'repeat uneven',
      (x) =>
        repeat(
          x,
          range(x.shape[0]).map((i) => i % 3),
          0,
        ),
    ],
    ['split', (x) => split(x, [1], -1)[1]],
    ['clip', (x) => clip(x, { min: -1, max: 2 })],
    ['cumsum reverse', (x) => cumsum(x, { axis: 0, reverse: true })],
    ['cumprod', (x) => cumprod(x, { axis: -1 })],
    ['cummax', (x) => cummax(x)],
    ['einsum transpose-sum', (x) => einsum('i...->...', x)],
  ];
  for (const [name, f] of unary) {
    property.prop([settingArb], { numRuns: 15 })(name, ({ size, shape, axisPick, seed }) => {
      const { x, axis } = batched(shape, size, axisPick, seed);
      expectVmapMatches(f, [x], [axis], size);
    });
  }

  property.prop([settingArb, fc.boolean()], { numRuns: 20 })(
    'einsum contraction with one operand shared',
    ({ size, shape, axisPick, seed }, shareFirst) => {
      const n = shape[0];
      const { x, axis } = batched([n, 3], size, axisPick, seed);
      const w = filled([3, 2], seed + 1);
      if (shareFirst)
        expectVmapMatches(
          (a, b) => einsum('ij,jk->ik', b, a),
          [w.reshape([2, 3]).transpose(), x],
          [null, axis],
          size,
        );
      else expectVmapMatches((a, b) => einsum('ij,jk->ik', a, b), [x, w], [axis, null], size);
    },
  );
});

describe('vmap of dynamicSlice / dynamicUpdateSlice', () => {
  const caseArb = fc.record({
    size: fc.integer({ min: 1, max: 3 }),
    shape: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
    axisPick: fc.nat(),
    seed: fc.nat(1000),
    operandBatched: fc.boolean(),
    updateBatched: fc.boolean(),
    startsBatched: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
    startSeed: fc.nat(),
    windowPick: fc.array(fc.nat(), { minLength: 3, maxLength: 3 }),
  });

  /** Starts per axis: a shared scalar, or one per example (out of range ones included). */
  function startsFor(
    shape: number[],
    c: { size: number; startsBatched: boolean[]; startSeed: number },
  ) {
    return shape.map((n, d) => {
      const pick = (b: number) => ((c.startSeed >> (d * 4 + b)) % (n + 4)) - 2;
      return c.startsBatched[d]
        ? { t: tensor(new Int32Array(range(c.size).map(pick)), { dtype: 'int32' }), axis: 0 }
        : { t: tensor(pick(0), { dtype: 'int32' }), axis: null };
    });
  }

  property.prop([caseArb])('dynamicSlice: batched operand and/or starts', (c) => {
    const starts = startsFor(c.shape, c);
    const sizes = c.shape.map((n, d) => 1 + (c.windowPick[d] % n));
    const anyStart = starts.some((s) => s.axis !== null);
    const { x, axis } =
      c.operandBatched || !anyStart
        ? batched(c.shape, c.size, c.axisPick, c.seed)
        : { x: filled(c.shape, c.seed), axis: null };
    expectVmapMatches(
      (a, ...s) => dynamicSlice(a, s, sizes),
      [x, ...starts.map((s) => s.t)],
      [axis, ...starts.map((s) => s.axis)],
      c.size,
    );
  });

  property.prop([caseArb])('dynamicUpdateSlice: batched operand, update and/or starts', (c) => {
    const starts = startsFor(c.shape, c);
    const window = c.shape.map((n, d) => 1 + (c.windowPick[d] % n));
    const anyStart = starts.some((s) => s.axis !== null);
    const operand = c.operandBatched
      ? batched(c.shape, c.size, c.axisPick, c.seed)
      : { x: filled(c.shape, c.seed), axis: null };
    const update =
      c.updateBatched || (!c.operandBatched && !anyStart)
        ? { x: filled([c.size, ...window], c.seed + 5), axis: 0 }
        : { x: filled(window, c.seed + 5), axis: null };
    expectVmapMatches(
      (a, u, ...s) => dynamicUpdateSlice(a, u, s),
      [operand.x, update.x, ...starts.map((s) => s.t)],
      [operand.axis, update.axis, ...starts.map((s) => s.axis)],
      c.size,
    );
  });

  test('per-example starts pick per-example windows (by hand)', () => {
    const x = reshape(tensor(new Float64Array(range(10))), [2, 5]);
    const got = vmap((a: Tensor, i: Tensor) => dynamicSlice(a, [i], [2]))(
      x,
      tensor([1, 9], { dtype: 'int32' }),
    );
    expect(got.toArray()).toEqual([
      [1, 2],
      [8, 9],
    ]);
  });
});
