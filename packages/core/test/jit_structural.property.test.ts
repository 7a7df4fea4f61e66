// jit(f) equals f for the structural operations of issue 15, alone and inside small composites
// (a fused elementwise consumer, a matrix product or a reduction reading a reversed view, a
// gradient), in every jit configuration (vitest.config.ts runs this suite on the default backend,
// the JavaScript lowering, and WebAssembly with threads). flip lowers to a negative-stride view;
// the composites lower through their primitives; dynamic_slice / dynamic_update_slice are strided
// copies at run-time offsets (compile/rules/dynamic_slice.ts, wasm/dynamic_copy.ts).
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
  grad,
  matmul,
  pad,
  repeat,
  scan,
  split,
  sum,
  type Tensor,
  tensor,
  tile,
} from '@loom/core';
import { describe, test } from 'vitest';
import { caseOfShapeArb, shapeArb } from './arbitraries.js';
import { expectJitMatches, floatDtypeArb, tensorOf } from './jit_helpers.js';

const caseArb = (minRank = 1) =>
  fc.tuple(
    shapeArb({ minRank, maxRank: 3 }).chain((s) => caseOfShapeArb(s)),
    floatDtypeArb,
    fc.nat(),
  );

describe('jit: structural composites', () => {
  const ops: [string, (x: Tensor, pick: number) => Tensor][] = [
    ['flip one axis', (x, p) => flip(x, p % x.ndim)],
    ['flip all, fused into an elementwise chain', (x) => flip(x).mul(2).add(x)],
    ['flip read by a reduction', (x, p) => sum(flip(x.exp(), p % x.ndim), -1)],
    ['pad with a constant', (x) => pad(x, [1, 2], { constantValue: 0.5 })],
    [
      'pad cropping',
      (x) =>
        pad(
          x.mul(x),
          x.shape.map((n) => [-Math.floor(n / 2), 1] as [number, number]),
        ),
    ],
    ['tile', (x) => tile(x, [2, 1])],
    ['repeat', (x, p) => repeat(x, 2, p % x.ndim)],
    ['split', (x, p) => split(x, [1], p % x.ndim)[1].add(1)],
    ['clip', (x) => clip(x.mul(3), { min: -1, max: 1.5 })],
    ['cumsum', (x, p) => cumsum(x, { axis: p % x.ndim })],
    ['cumsum reverse', (x, p) => cumsum(x, { axis: p % x.ndim, reverse: true })],
    ['cumprod', (x) => cumprod(x)],
    ['cummax reverse', (x) => cummax(x, { reverse: true, axis: -1 })],
    ['einsum trace-like sum', (x) => einsum('i...->...', x)],
  ];
  for (const [name, f] of ops) {
    property.prop([caseArb()], { numRuns: 15 })(name, ([c, dtype, pick]) => {
      expectJitMatches((x: Tensor) => f(x, pick), [tensorOf(c, dtype)]);
    });
  }

  property.prop([caseArb(2)], { numRuns: 15 })(
    'grad of a pipeline (jit(grad) == grad)',
    ([c, dtype]) => {
      const loss = (x: Tensor) =>
        cumprod(clip(flip(pad(x, 1, { constantValue: 1 }), 0), { min: -1, max: 1 }), { axis: 1 })
          .mul(tile(x, [1, 1]).sum())
          .sum();
      expectJitMatches(grad(loss), [tensorOf(c, dtype)], {
        tol: dtype === 'float32' ? { rtol: 1e-4, atol: 1e-5 } : undefined,
      });
    },
  );

  property.prop([fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), floatDtypeArb], {
    numRuns: 15,
  })('einsum contractions and a matmul reading a reversed operand', (n, m, dtype) => {
    const a = tensor(
      Array.from({ length: n * m }, (_, i) => Math.sin(i)),
      { shape: [n, m], dtype },
    );
    const b = tensor(
      Array.from({ length: m * 3 }, (_, i) => Math.cos(i)),
      { shape: [m, 3], dtype },
    );
    expectJitMatches((x: Tensor, y: Tensor) => einsum('ij,jk->ik', x, y), [a, b]);
    expectJitMatches((x: Tensor, y: Tensor) => einsum('ij,jk,kl->il', x, y, y.transpose()), [a, b]);
    expectJitMatches((x: Tensor, y: Tensor) => matmul(flip(x, 1), flip(y)), [a, b]);
  });
});

describe('jit: dynamicSlice and dynamicUpdateSlice with traced starts', () => {
  const windowArb = fc.tuple(
    fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
    fc.array(fc.nat(), { minLength: 3, maxLength: 3 }),
    fc.array(fc.integer({ min: -3, max: 6 }), { minLength: 3, maxLength: 3 }),
    floatDtypeArb,
  );

  property.prop([windowArb], { numRuns: 25 })(
    'values and gradients equal eager',
    ([shape, picks, st, dtype]) => {
      const sizes = shape.map((n, d) => 1 + (picks[d] % n));
      const n = shape.reduce((a, b) => a * b, 1);
      const x = tensor(
        Array.from({ length: n }, (_, i) => Math.sin(i + 1)),
        { shape, dtype },
      );
      const u = tensor(
        Array.from({ length: sizes.reduce((a, b) => a * b, 1) }, (_, i) => Math.cos(i)),
        { shape: sizes, dtype },
      );
      const starts = tensor(new Int32Array(st.slice(0, shape.length)));
      expectJitMatches(
        (a: Tensor, s: Tensor) => dynamicSlice(a.mul(2), s, sizes).add(1),
        [x, starts],
      );
      expectJitMatches(
        (a: Tensor, up: Tensor, s: Tensor) => dynamicUpdateSlice(a, up.exp(), s).mul(a),
        [x, u, starts],
      );
      // Strided operands: a reversed, transposed read and a reversed update.
      const back = [...sizes].reverse();
      expectJitMatches(
        (a: Tensor, s: Tensor) => dynamicSlice(flip(a).transpose(), flip(s), back),
        [x, starts],
      );
      expectJitMatches(
        (a: Tensor, up: Tensor, s: Tensor) => dynamicUpdateSlice(flip(a, 0), flip(up), s),
        [x, u, starts],
      );
      expectJitMatches(
        grad((a: Tensor, up: Tensor, s: Tensor) =>
          dynamicUpdateSlice(a.mul(a), dynamicSlice(a, s, sizes).mul(up), s).sum(),
        ),
        [x, u, starts],
      );
    },
  );

  test('a moving window inside a scan (the start is the loop carry)', () => {
    const x = tensor(
      Array.from({ length: 8 }, (_, i) => i * i),
      { dtype: 'float64' },
    );
    const f = (xs: Tensor) =>
      scan(
        (i: Tensor, _t: Tensor): [Tensor, Tensor] => [i.add(1), dynamicSlice(xs, [i], [3]).sum()],
        tensor(0, { dtype: 'int32' }),
        xs,
      )[1];
    expectJitMatches(f, [x]);
  });
});
