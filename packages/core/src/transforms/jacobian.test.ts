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

describe('Jacobians with argnums lists and aux', () => {
  // f(a, b) = a ⊙ sin(b) · c: ∂f/∂a = diag(sin(b) c), ∂f/∂b = diag(a cos(b) c).
  const c = 1.5;
  const f = (a: Tensor, b: Tensor) => a.mul(sin(b)).mul(c);
  const a = f64([0.3, -0.6]);
  const b = f64([1.1, 0.4]);
  const diag = (v: number[]) => f64(v.map((x, i) => v.map((_, j) => (i === j ? x : 0))));
  const da = diag([0, 1].map((i) => Math.sin(b.data()[i]) * c));
  const db = diag([0, 1].map((i) => a.data()[i] * Math.cos(b.data()[i]) * c));

  test('a list gives a tuple of Jacobians per output leaf (fwd and rev agree with the formula)', () => {
    for (const jac of [jacfwd, jacrev]) {
      const [ja, jb] = jac(f, [0, 1])(a, b);
      closeTo(ja, da);
      closeTo(jb, db);
      const [onlyB] = jac(f, { argnums: [1] })(a, b);
      closeTo(onlyB, db);
      closeTo(jac(f, { argnums: 1 })(a, b), db);
    }
  });

  test('hasAux returns the aux untouched beside the Jacobian', () => {
    for (const jac of [jacfwd, jacrev]) {
      const [j, aux] = jac((x: Tensor, y: Tensor) => [f(x, y), { n: 3, s: sum(x) }] as const, {
        argnums: 0,
        hasAux: true,
      })(a, b);
      closeTo(j, da);
      expect(aux.n).toBe(3);
      expect(aux.s.item()).toBeCloseTo(0.3 - 0.6, 15);
    }
  });

  test('hessian over two arguments: the four blocks of a hand-derived Hessian', () => {
    // g(a, b) = Σ a² b: H_aa = diag(2b), H_ab = diag(2a), H_bb = 0.
    const g = (x: Tensor, y: Tensor) => sum(x.mul(x).mul(y));
    const [[haa, hab], [hba, hbb]] = hessian(g, [0, 1])(a, b);
    closeTo(haa, diag(Array.from(b.data(), (v) => 2 * v)));
    closeTo(hab, diag(Array.from(a.data(), (v) => 2 * v)));
    closeTo(hba, diag(Array.from(a.data(), (v) => 2 * v)));
    closeTo(hbb, diag([0, 0]));
    const [h, aux] = hessian((x: Tensor) => [sum(x.mul(x).mul(b)), x.mul(2)] as const, {
      hasAux: true,
    })(a);
    closeTo(h, diag(Array.from(b.data(), (v) => 2 * v)));
    closeTo(aux, a.mul(2));
  });

  test('bad argnums and options name the operation', () => {
    expect(() => jacfwd(f, [0, 0])(a, b)).toThrow(/jacfwd: argnums=\[0,0\] repeats an argument/);
    expect(() => jacrev(f, [0, 3])(a, b)).toThrow(/jacrev: argnums=\[0,3\] refers to argument 3/);
    expect(() => jacfwd(f, { argnum: 1 } as never)).toThrow(/jacfwd: unknown option 'argnum'/);
    expect(() => jacrev(f, 'x' as never)).toThrow(/jacrev: the second argument must be argnums/);
    expect(() => jacrev((x: Tensor) => x as never, { hasAux: true })(a)).toThrow(
      /jacrev: with hasAux the function must return \[output, aux\]/,
    );
  });
});
