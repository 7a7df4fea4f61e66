import { describe, expect, test } from 'vitest';
import {
  hessian,
  jacfwd,
  jacrev,
  makeJaxpr,
  matmul,
  sin,
  sum,
  type Tensor,
  tanh,
  tensor,
} from '../index.js';

const f64 = (x: number[] | number[][]) => tensor(x, { dtype: 'float64' });
const closeTo = (a: Tensor, b: Tensor, tol = 1e-12) => {
  expect(a.shape).toEqual(b.shape);
  const y = b.data();
  a.data().forEach((v, i) => {
    expect(Math.abs(v - y[i])).toBeLessThan(tol);
  });
};

describe('Jacobians over pytrees', () => {
  type P = { w: Tensor; b: Tensor };
  const f = (p: P) => ({
    y: tanh(
      matmul(
        f64([
          [1, 2],
          [3, -1],
          [0.5, 0.5],
        ]),
        p.w,
      ).add(p.b),
    ),
    s: sum(sin(p.w)),
  });
  const p: P = {
    w: f64([
      [0.1, 0.2],
      [0.3, -0.4],
    ]),
    b: f64([0.05, -0.05]),
  };

  test('jacfwd equals jacrev, leaf by leaf, with shapes out.shape + in.shape', () => {
    const a = jacfwd(f)(p);
    const r = jacrev(f)(p);
    expect(a.y.w.shape).toEqual([3, 2, 2, 2]);
    expect(a.y.b.shape).toEqual([3, 2, 2]);
    expect(a.s.w.shape).toEqual([2, 2]);
    closeTo(a.y.w, r.y.w);
    closeTo(a.y.b, r.y.b);
    closeTo(a.s.w, r.s.w);
    closeTo(a.s.b, r.s.b);
    // ∂s/∂w = cos(w), ∂s/∂b = 0: a hand-derived check of one block.
    closeTo(a.s.w, p.w.cos());
    expect(Array.from(a.s.b.data())).toEqual([0, 0]);
  });

  test('hessian over a tree is symmetric across blocks', () => {
    const loss = (q: P) => sum(tanh(q.w.mul(q.b)).mul(q.w));
    const h = hessian(loss)(p);
    expect(h.w.b.shape).toEqual([2, 2, 2]);
    // H[w][b][i,j,k] must equal H[b][w][k,i,j].
    const wb = h.w.b.toArray() as number[][][];
    const bw = h.b.w.toArray() as number[][][];
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 2; j++)
        for (let k = 0; k < 2; k++) expect(Math.abs(wb[i][j][k] - bw[k][i][j])).toBeLessThan(1e-12);
  });
});

describe('Jacobians are vmapped, not looped', () => {
  test('the IR has the same number of equations for 3 and 30 inputs', () => {
    const f = (x: Tensor) => tanh(x.mul(x)).mul(2);
    const count = (jac: typeof jacfwd, n: number) =>
      makeJaxpr(jac(f))(tensor(new Float64Array(n).fill(0.5))).closed.jaxpr.eqns.length;
    expect(count(jacfwd, 3)).toBe(count(jacfwd, 30));
    expect(count(jacrev, 3)).toBe(count(jacrev, 30));
  });
});
