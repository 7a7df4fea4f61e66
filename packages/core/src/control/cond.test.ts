import { describe, expect, test } from 'vitest';
import {
  checkGrads,
  cond,
  grad,
  gt,
  makeJaxpr,
  ShapeError,
  scan,
  sin,
  sum,
  type Tensor,
  tensor,
} from '../index.js';

const f64 = (x: number | number[]) => tensor(x, { dtype: 'float64' });

describe('cond', () => {
  const f = (x: Tensor, y: Tensor) =>
    cond(
      gt(sum(x), 0),
      (a: Tensor, b: Tensor) => sin(a).mul(b),
      (a: Tensor, b: Tensor) => a.mul(a).sub(b),
      x,
      y,
    );
  test('runs the chosen branch only', () => {
    expect(f(f64([1, 2]), f64([3, 4])).toArray()).toEqual([Math.sin(1) * 3, Math.sin(2) * 4]);
    expect(f(f64([-1, -2]), f64([3, 4])).toArray()).toEqual([1 - 3, 4 - 4]);
  });
  test('gradients match finite differences in both branches, both modes, second order', () => {
    checkGrads(f, [f64([0.5, 0.7]), f64([0.3, -0.2])], { order: 2 });
    checkGrads(f, [f64([-0.5, -0.7]), f64([0.3, -0.2])], { order: 2 });
  });
  test('grad through a cond inside a scan', () => {
    const loss = (w: Tensor) =>
      sum(
        scan(
          (h: Tensor, x: Tensor) => {
            const next = cond(
              gt(x, 0),
              (a: Tensor) => a.mul(w).tanh(),
              (a: Tensor) => a.add(w),
              h,
            );
            return [next, next] as const;
          },
          f64([0.3]).reshape([]),
          f64([1, -1, 2, -0.5]),
        )[1],
      );
    checkGrads(loss, [f64(0.7).reshape([])]);
    expect(grad(loss)(f64(0.7).reshape([])).ndim).toBe(0);
  });
  test('prints both branches', () => {
    const text = makeJaxpr(f)(f64([1, 2]), f64([3, 4])).toString();
    expect(text).toMatch(/cond/);
    expect(text).toMatch(/false=\{ lambda/);
    expect(text).toMatch(/true=\{ lambda/);
  });
  test('rejects a non-scalar predicate and mismatched branches', () => {
    expect(() =>
      cond(
        gt(f64([1, 2]), 0),
        (a: Tensor) => a,
        (a: Tensor) => a,
        f64([1, 2]),
      ),
    ).toThrow(ShapeError);
    expect(() =>
      cond(
        gt(f64([1, 2]), 0),
        (a: Tensor) => a,
        (a: Tensor) => a,
        f64([1]),
      ),
    ).toThrow(/predicate must be a bool scalar, got bool\[2\]/);
    expect(() =>
      cond(
        gt(f64(1), 0).reshape([]),
        (a: Tensor) => a,
        (a: Tensor) => a.sum(),
        f64([1, 2]),
      ),
    ).toThrow(/output 0 is f64\[2\] in the true branch but f64\[\] in the false branch/);
  });
});
