import { describe, expect, test } from 'vitest';
import {
  checkGrads,
  DtypeError,
  foriLoop,
  grad,
  InvalidArgumentError,
  jit,
  jvp,
  makeJaxpr,
  NotDifferentiableError,
  ShapeError,
  type Tensor,
  tensor,
} from '../index.js';

const f64 = (x: number | number[]) => tensor(x, { dtype: 'float64' });
const i32 = (x: number) => tensor(x, { dtype: 'int32' });

// c <- c * x + sin(i * c): a body that uses the index, with a hand-written reference loop.
const body = (x: Tensor) => (i: Tensor, c: Tensor) =>
  c.mul(x).add(i.astype('float64').mul(c).sin());
const ref = (lo: number, hi: number, x: number, c0: number) => {
  let c = c0;
  for (let i = lo; i < hi; i++) c = c * x + Math.sin(i * c);
  return c;
};

describe('foriLoop', () => {
  test('static bounds: every unroll gives the same numbers as the hand-written loop', () => {
    for (const unroll of [1, 2, 3, 8]) {
      const out = foriLoop(2, 9, body(f64(0.9).reshape([])), f64(0.3).reshape([]), { unroll });
      expect(out.item()).toBeCloseTo(ref(2, 9, 0.9, 0.3), 13);
    }
  });

  test('static bounds are reverse-differentiable, with unroll', () => {
    const f = (x: Tensor, c0: Tensor) => foriLoop(1, 5, body(x), c0, { unroll: 2 });
    checkGrads(f, [f64(0.8).reshape([]), f64(0.4).reshape([])], { order: 2 });
  });

  test('eager tensor bounds are static (like concrete bounds in JAX): grad works', () => {
    const f = (x: Tensor) => foriLoop(i32(0), i32(4), body(x), f64(0.5).reshape([]));
    const eps = 1e-6;
    const fd = (ref(0, 4, 0.7 + eps, 0.5) - ref(0, 4, 0.7 - eps, 0.5)) / (2 * eps);
    expect(grad(f)(f64(0.7).reshape([])).item()).toBeCloseTo(fd, 7);
    expect(makeJaxpr(f)(f64(0.7).reshape([])).toString()).toMatch(/scan/);
  });

  test('traced bounds become a while loop: values and jvp right, reverse mode a clear error', () => {
    const f = (n: Tensor, x: Tensor) => foriLoop(1, n, body(x), f64(0.5).reshape([]));
    expect(makeJaxpr(f)(i32(4), f64(0.7).reshape([])).toString()).toMatch(/while/);
    const jf = jit(f);
    expect(jf(i32(6), f64(0.7).reshape([])).item()).toBeCloseTo(ref(1, 6, 0.7, 0.5), 13);
    const [, t] = jvp((x: Tensor) => jf(i32(6), x), [f64(0.7).reshape([])], [f64(1).reshape([])]);
    const eps = 1e-6;
    const fd = (ref(1, 6, 0.7 + eps, 0.5) - ref(1, 6, 0.7 - eps, 0.5)) / (2 * eps);
    expect(t.item()).toBeCloseTo(fd, 7);
    expect(() => grad((x: Tensor) => jf(i32(6), x))(f64(0.7).reshape([]))).toThrow(
      NotDifferentiableError,
    );
    expect(() => grad((x: Tensor) => jf(i32(6), x))(f64(0.7).reshape([]))).toThrow(
      /reverse-mode differentiation .* foriLoop with dynamic \(traced\) start\/stop values/,
    );
  });

  test('bad bounds and options name foriLoop and the offending value', () => {
    const c = f64([1, 2]);
    const id = (_i: Tensor, v: Tensor) => v;
    expect(() => foriLoop(0, 2.5, id, c)).toThrow(/foriLoop: .*static integers, got upper=2.5/);
    expect(() => foriLoop(f64(0).reshape([]), 3, id, c)).toThrow(DtypeError);
    expect(() => foriLoop(f64(0).reshape([]), 3, id, c)).toThrow(
      /foriLoop: lower must be an int32 scalar, got f64\[\]/,
    );
    expect(() => foriLoop(0, tensor([1, 2], { dtype: 'int32' }), id, c)).toThrow(ShapeError);
    expect(() => foriLoop(0, 3, id, c, { unroll: 0 })).toThrow(
      /foriLoop: unroll must be a positive integer, got 0/,
    );
    expect(() => foriLoop(0, 3, id, c, { unrol: 2 } as never)).toThrow(InvalidArgumentError);
    expect(() => jit((n: Tensor) => foriLoop(0, n, id, c, { unroll: 2 }))(i32(3))).toThrow(
      /foriLoop: unroll=2 needs static bounds .* upper is traced/,
    );
    expect(() => foriLoop(0, 3, (_i: Tensor, v: Tensor) => v.sum(), c)).toThrow(
      /foriLoop: the carry enters the body as f64\[2\] but comes out as f64\[\]/,
    );
  });
});
