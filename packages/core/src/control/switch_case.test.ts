import { describe, expect, test } from 'vitest';
import {
  checkGrads,
  DtypeError,
  grad,
  InvalidArgumentError,
  jvp,
  makeJaxpr,
  ShapeError,
  scalar,
  scan,
  sin,
  sum,
  switchCase,
  type Tensor,
  TreeStructureError,
  tensor,
  vmap,
} from '../index.js';

const f64 = (x: number | number[] | number[][]) => tensor(x, { dtype: 'float64' });
const i32 = (x: number | number[]) => tensor(x, { dtype: 'int32' });

// Three branches with hand-written references (plain JS on numbers).
const branches = [
  (a: Tensor, b: Tensor) => sin(a).mul(b),
  (a: Tensor, b: Tensor) => a.mul(a).sub(b),
  (a: Tensor, b: Tensor) => a.mul(b).exp(),
];
const reference = [
  (a: number, b: number) => Math.sin(a) * b,
  (a: number, b: number) => a * a - b,
  (a: number, b: number) => Math.exp(a * b),
];
const f = (k: Tensor, x: Tensor, y: Tensor) => switchCase(k, branches, x, y);
const expected = (k: number, xs: number[], ys: number[]) => {
  const chosen = reference[Math.min(Math.max(k, 0), 2)];
  return xs.map((x, i) => chosen(x, ys[i]));
};

describe('switchCase', () => {
  const x = [0.5, -0.7];
  const y = [0.3, 1.1];

  test('runs the indexed branch; out-of-range indices clamp to the ends', () => {
    for (const k of [-3, 0, 1, 2, 7]) {
      const out = f(i32(k), f64(x), f64(y)).data();
      expected(k, x, y).forEach((v, i) => {
        expect(out[i]).toBeCloseTo(v, 14);
      });
    }
  });

  test('accepts a JS integer index and a tree of operands', () => {
    const out = switchCase(
      1,
      [(p: { a: Tensor }) => ({ r: p.a.add(1) }), (p: { a: Tensor }) => ({ r: p.a.mul(3) })],
      { a: f64([2, 5]) },
    );
    expect(Array.from(out.r.data())).toEqual([6, 15]);
  });

  test('gradients match finite differences through every branch, both modes, second order', () => {
    for (const k of [0, 1, 2]) {
      checkGrads((a: Tensor, b: Tensor) => f(i32(k), a, b), [f64(x), f64(y)], { order: 2 });
    }
  });

  test('grad through a switch inside a scan equals the hand-derived derivative', () => {
    // h_{t+1} = branch[k_t](h_t, w); sum of the hs, differentiated in w.
    const ks = i32([0, 2, 1, 5]);
    const loss = (w: Tensor) =>
      sum(
        scan(
          (h: Tensor, k: Tensor) => {
            const next = switchCase(
              k,
              [(a: Tensor) => a.mul(w), (a: Tensor) => a.add(w), (a: Tensor) => a.mul(a)],
              h,
            );
            return [next, next] as const;
          },
          f64(0.4).reshape([]),
          ks,
        )[1],
      );
    // h1 = 0.4w, h2 = h1², h3 = h2 + w, h4 = h3² (index 5 clamps to 2).
    const w = 0.9;
    const h1 = 0.4 * w;
    const h2 = h1 * h1;
    const h3 = h2 + w;
    const h4 = h3 * h3;
    const d1 = 0.4;
    const d2 = 2 * h1 * d1;
    const d3 = d2 + 1;
    const d4 = 2 * h3 * d3;
    expect(loss(f64(w).reshape([])).item()).toBeCloseTo(h1 + h2 + h3 + h4, 12);
    expect(grad(loss)(f64(w).reshape([])).item()).toBeCloseTo(d1 + d2 + d3 + d4, 12);
  });

  test('jvp of a clamped index follows the last branch', () => {
    const [, t] = jvp((a: Tensor) => f(i32(9), a, f64(y)), [f64(x)], [f64([1, 0])]);
    // d/da exp(a b) = b exp(a b) for the first lane; the second lane has a zero tangent.
    expect(t.data()[0]).toBeCloseTo(y[0] * Math.exp(x[0] * y[0]), 12);
    expect(t.data()[1]).toBe(0);
  });

  test('vmap with a batched index runs every branch and picks each lane', () => {
    const ks = [2, -1, 1, 4];
    const xs = [0.1, 0.2, -0.3, 0.4];
    const ys = [1.5, -0.5, 0.25, 2];
    const out = vmap((k: Tensor, a: Tensor, b: Tensor) => f(k, a, b))(i32(ks), f64(xs), f64(ys));
    const want = ks.map((k, i) => expected(k, [xs[i]], [ys[i]])[0]);
    out.data().forEach((v, i) => {
      expect(v).toBeCloseTo(want[i], 14);
    });
  });

  test('vmap with a shared index stays one switch; per-example gradients with batched indices', () => {
    const xs = f64([
      [0.1, 0.2],
      [0.3, -0.4],
    ]);
    const shared = vmap((a: Tensor) => f(i32(1), a, f64(y)))(xs).toArray() as number[][];
    (xs.toArray() as number[][]).forEach((row, r) => {
      expected(1, row, y).forEach((v, i) => {
        expect(shared[r][i]).toBeCloseTo(v, 14);
      });
    });
    // d/da sum(branch_k(a, b)): k=0: cos(a) b, k=2: b exp(a b).
    const per = vmap(grad((a: Tensor, k: Tensor) => sum(f(k, a, f64(y)))))(xs, i32([0, 2]));
    const rows = per.toArray() as number[][];
    const data = xs.toArray() as number[][];
    data[0].forEach((a, i) => {
      expect(rows[0][i]).toBeCloseTo(Math.cos(a) * y[i], 12);
    });
    data[1].forEach((a, i) => {
      expect(rows[1][i]).toBeCloseTo(y[i] * Math.exp(a * y[i]), 12);
    });
  });

  test('prints one program per branch', () => {
    const text = makeJaxpr(f)(i32(0), f64(x), f64(y)).toString();
    expect(text).toMatch(/cond/);
    for (const name of ['branch0', 'branch1', 'branch2']) expect(text).toMatch(`${name}={ lambda`);
  });

  test('a single branch is just called', () => {
    const out = switchCase(i32(3), [(a: Tensor) => a.mul(2)], f64([1, 2]));
    expect(Array.from(out.data())).toEqual([2, 4]);
  });
});

describe('switchCase errors name the operation, the branches and the types', () => {
  const a = f64([1, 2]);
  test('branches returning different shapes, dtypes or trees', () => {
    expect(() =>
      switchCase(0, [(v: Tensor) => v, (v: Tensor) => v, (v: Tensor) => v.sum()], a),
    ).toThrow(ShapeError);
    expect(() =>
      switchCase(0, [(v: Tensor) => v, (v: Tensor) => v, (v: Tensor) => v.sum()], a),
    ).toThrow(/switchCase: output 0 is f64\[2\] in branch 0 but f64\[\] in branch 2/);
    expect(() => switchCase(0, [(v: Tensor) => v, (v: Tensor) => v.astype('float32')], a)).toThrow(
      DtypeError,
    );
    expect(() =>
      switchCase(
        0,
        [(v: Tensor) => ({ p: v }), (v: Tensor) => ({ q: v }) as unknown as { p: Tensor }],
        a,
      ),
    ).toThrow(/switchCase: the branches return different structures \(branch 0: .*branch 1: /);
    expect(() =>
      switchCase(0, [(v: Tensor) => ({ p: v }), (v: Tensor) => [v] as unknown as { p: Tensor }], a),
    ).toThrow(TreeStructureError);
  });
  test('a bad index', () => {
    const br = [(v: Tensor) => v, (v: Tensor) => v];
    expect(() => switchCase(f64(1).reshape([]), br, a)).toThrow(DtypeError);
    expect(() => switchCase(f64(1).reshape([]), br, a)).toThrow(
      /switchCase: the index must have dtype int32, got f64\[\]/,
    );
    expect(() => switchCase(i32([0, 1]), br, a)).toThrow(ShapeError);
    expect(() => switchCase(i32([0, 1]), br, a)).toThrow(/must be a scalar, got i32\[2\]/);
    expect(() => switchCase(1.5, br, a)).toThrow(
      /switchCase: the index must be an integer, got 1.5/,
    );
    expect(() => switchCase(scalar(1, 'bool'), br, a)).toThrow(/dtype int32, got bool\[\]/);
  });
  test('no branches, or a branch that is not a function', () => {
    expect(() => switchCase(0, [], a)).toThrow(InvalidArgumentError);
    expect(() => switchCase(0, [], a)).toThrow(/switchCase: branches must be a non-empty array/);
    expect(() =>
      switchCase(0, [(v: Tensor) => v, 3 as unknown as (v: Tensor) => Tensor], a),
    ).toThrow(/switchCase: branch 1 is number/);
  });
});
