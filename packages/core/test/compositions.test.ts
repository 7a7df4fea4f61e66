// Composed transformations: jacfwd vs jacrev, Hessians against finite differences, grad of
// grad against closed forms, jvp of grad, pytrees, argnums, hasAux, valueAndGrad, tree vjp.
import { fc, test as property } from '@fast-check/vitest';
import {
  exp,
  grad,
  hessian,
  jacfwd,
  jacrev,
  jvp,
  logSumExp,
  makeJaxpr,
  matmul,
  sin,
  softmax,
  sum,
  type Tensor,
  tanh,
  tensor,
  tree,
  typecheckJaxpr,
  valueAndGrad,
  vjp,
} from '@loom/core';
import { describe, expect, test } from 'vitest';
import {
  caseOfShapeArb,
  expectClose,
  gradCheck,
  leafShapes,
  range,
  shapeArb,
  type TensorCase,
  t64,
  valueArb,
} from './arbitraries.js';

const W = t64({ shape: [2, 3], data: [0.5, -1, 0.25, 2, 0.75, -0.5] });

/** Vector → vector functions with non-trivial (dense, non-symmetric) Jacobians. */
const vectorFunctions: { name: string; f: (x: Tensor) => Tensor }[] = [
  { name: 'sin(x)·Σx', f: (x) => sin(x).mul(x.sum()) },
  { name: 'softmax', f: (x) => softmax(x) },
  { name: 'W·tanh(x) (3 → 2)', f: (x) => matmul(W, tanh(x)) },
  {
    name: 'exp(x) / (1 + x²) with a reversal',
    f: (x) => exp(x).div(x.mul(x).add(1)).transpose().mul(x.cos()),
  },
  { name: 'outer product x xᵀ (3 → 3×3)', f: (x) => matmul(x.reshape([3, 1]), x.reshape([1, 3])) },
];

/** Central finite-difference Jacobian, shape out.shape + in.shape (flattened row-major). */
function fdJacobian(f: (x: Tensor) => Tensor, x: TensorCase, h = 1e-6): number[] {
  const outSize = f(t64(x)).size;
  const cols = x.data.map((_, j) => {
    const shifted = (s: number) =>
      t64({ shape: x.shape, data: x.data.map((v, k) => (k === j ? v + s * h : v)) });
    const plus = f(shifted(1)).data();
    const minus = f(shifted(-1)).data();
    return range(outSize).map((i) => (plus[i] - minus[i]) / (2 * h));
  });
  return range(outSize).flatMap((i) => cols.map((col) => col[i]));
}

const vec3Arb = caseOfShapeArb([3], { min: -2, max: 2 });

describe('jacfwd equals jacrev', () => {
  describe.each(vectorFunctions)('$name', ({ f }) => {
    property.prop([vec3Arb])(
      'same shape out.shape + in.shape, same values, and both match finite differences',
      (c) => {
        const x = t64(c);
        const jf = jacfwd(f)(x);
        const jr = jacrev(f)(x);
        const out = f(x);
        expect([...jf.shape]).toEqual([...out.shape, 3]);
        expect([...jr.shape]).toEqual([...jf.shape]);
        expectClose(jf.data(), jr.data(), { rtol: 1e-12, atol: 1e-13 });
        expectClose(jf.data(), fdJacobian(f, c), { rtol: 1e-6, atol: 1e-7 });
      },
    );
  });

  property.prop([
    shapeArb({ minRank: 1, maxRank: 2, maxDim: 3 }).chain((s) =>
      caseOfShapeArb(s, { min: -2, max: 2 }),
    ),
  ])('for matrix inputs too (Jacobian of x ↦ tanh(x)·Σx² has shape in.shape + in.shape)', (c) => {
    const f = (x: Tensor) => tanh(x).mul(x.mul(x).sum());
    const jf = jacfwd(f)(t64(c));
    const jr = jacrev(f)(t64(c));
    expect([...jf.shape]).toEqual([...c.shape, ...c.shape]);
    expectClose(jf.data(), jr.data(), { rtol: 1e-12, atol: 1e-13 });
    expectClose(jf.data(), fdJacobian(f, c), { rtol: 1e-6, atol: 1e-7 });
  });

  test('jacfwd/jacrev honour argnum', () => {
    const f = (a: Tensor, b: Tensor) => a.mul(b.sin());
    const a = t64({ shape: [2], data: [1.5, -2] });
    const b = t64({ shape: [2], data: [0.3, 0.9] });
    const expected = [1.5 * Math.cos(0.3), 0, 0, -2 * Math.cos(0.9)];
    expectClose(jacfwd(f, 1)(a, b).data(), expected, { rtol: 1e-14 });
    expectClose(jacrev(f, 1)(a, b).data(), expected, { rtol: 1e-14 });
  });
});

describe('hessian', () => {
  const scalarFunctions: { name: string; f: (x: Tensor) => Tensor }[] = [
    { name: 'Σx · Σsin(x) + logΣexp(x)', f: (x) => x.sum().mul(sin(x).sum()).add(logSumExp(x)) },
    {
      name: 'Σ x_i² x_{i+1} (a cyclic coupling)',
      f: (x) =>
        x
          .mul(x)
          .mul(x.take([1, 2, 3, 0]))
          .sum(),
    },
    {
      name: 'Σ tanh(Wx)²',
      f: (x) =>
        tanh(matmul(W, x.take([0, 1, 2])))
          .mul(tanh(matmul(W, x.take([1, 2, 3]))))
          .sum(),
    },
  ];
  const vec4Arb = caseOfShapeArb([4], { min: -1.5, max: 1.5 });

  describe.each(scalarFunctions)('$name', ({ f }) => {
    property.prop([vec4Arb])('is symmetric and equals central differences of the gradient', (c) => {
      const H = hessian(f)(t64(c));
      expect([...H.shape]).toEqual([4, 4]);
      const h = H.data();
      for (let i = 0; i < 4; i++) {
        for (let j = 0; j < i; j++)
          expect(Math.abs(h[4 * i + j] - h[4 * j + i])).toBeLessThan(1e-12);
      }
      const g = (x: Tensor) => grad(f)(x);
      expectClose(h, fdJacobian(g, c, 1e-5), { rtol: 1e-6, atol: 1e-6 });
    });
  });

  test('Hessian of a quadratic form ½ xᵀ A x is (A + Aᵀ)/2, exactly', () => {
    const A = t64({ shape: [3, 3], data: [2, 1, 0, -1, 3, 4, 0.5, 0, 1] });
    const f = (x: Tensor) => matmul(x, matmul(A, x)).mul(0.5);
    const H = hessian(f)(t64({ shape: [3], data: [0.1, 0.2, 0.3] }));
    const a = A.data();
    expectClose(
      H.data(),
      range(9).map((k) => (a[k] + a[3 * (k % 3) + Math.floor(k / 3)]) / 2),
      { rtol: 1e-15, atol: 1e-15 },
    );
  });
});

describe('grad of grad against closed forms', () => {
  const scalarArb = valueArb({ min: -3, max: 3 });
  const s = (v: number) => tensor(new Float64Array([v]), { shape: [] });
  const d = (f: (x: Tensor) => Tensor) => grad(f);

  property.prop([scalarArb])(
    "f = x³·sin x: f'' = 6x sin x + 6x² cos x − x³ sin x, and f'''",
    (v) => {
      const f = (x: Tensor) => x.mul(x).mul(x).mul(sin(x));
      const f1 = d(f);
      const f2 = d(f1);
      const f3 = d(f2);
      expectClose([f1(s(v)).item()], [3 * v * v * Math.sin(v) + v ** 3 * Math.cos(v)], {
        rtol: 1e-12,
        atol: 1e-12,
      });
      expectClose(
        [f2(s(v)).item()],
        [6 * v * Math.sin(v) + 6 * v * v * Math.cos(v) - v ** 3 * Math.sin(v)],
        { rtol: 1e-12, atol: 1e-12 },
      );
      expectClose(
        [f3(s(v)).item()],
        [6 * Math.sin(v) + 18 * v * Math.cos(v) - 9 * v * v * Math.sin(v) - v ** 3 * Math.cos(v)],
        { rtol: 1e-11, atol: 1e-11 },
      );
    },
  );

  property.prop([scalarArb])("tanh'' = −2 tanh (1 − tanh²)", (v) => {
    const t = Math.tanh(v);
    expectClose([d(d(tanh))(s(v)).item()], [-2 * t * (1 - t * t)], { rtol: 1e-12, atol: 1e-14 });
  });

  property.prop([scalarArb])("(1/(1+x²))'' = (6x² − 2)/(1+x²)³ and exp'' = exp", (v) => {
    const r = (x: Tensor) => x.mul(x).add(1).pow(-1);
    expectClose([d(d(r))(s(v)).item()], [(6 * v * v - 2) / (1 + v * v) ** 3], {
      rtol: 1e-12,
      atol: 1e-13,
    });
    expectClose([d(d(exp))(s(v)).item()], [Math.exp(v)], { rtol: 1e-14 });
  });

  property.prop([caseOfShapeArb([5], { min: -2, max: 2 })], { numRuns: 20 })(
    'grad of Σ grad(f) for elementwise f is f″ elementwise, and the IR of grad∘grad typechecks',
    (c) => {
      const f = (x: Tensor) => x.mul(x).mul(x).mul(sin(x)).sum();
      const gg = (x: Tensor) => grad((y: Tensor) => grad(f)(y).sum())(x);
      expectClose(
        gg(t64(c)).data(),
        c.data.map((v) => 6 * v * Math.sin(v) + 6 * v * v * Math.cos(v) - v ** 3 * Math.sin(v)),
        { rtol: 1e-12, atol: 1e-12 },
      );
      const prog = makeJaxpr(gg)(t64(c));
      typecheckJaxpr(prog.closed.jaxpr);
      gradCheck((x: Tensor) => grad(f)(x), [t64(c)], { order: 2 });
    },
  );
});

describe('nested transformations keep their perturbations apart', () => {
  const s = (v: number) => tensor(new Float64Array([v]), { shape: [] });
  const scalarArb = valueArb({ min: -3, max: 3 });

  property.prop([scalarArb, scalarArb])(
    'd/dx [x · d/dy (x·y)] = 2x (grad inside grad closing over x)',
    (a, b) => {
      const g = grad((x: Tensor) => x.mul(grad((y: Tensor) => x.mul(y))(s(b))))(s(a));
      expectClose([g.item()], [2 * a], { rtol: 1e-15, atol: 1e-15 });
    },
  );

  property.prop([scalarArb, scalarArb])(
    'd/dx [x · ∂_y (x + y)] = 1 with jvp inside jvp',
    (a, b) => {
      const [, t] = jvp(
        (x: Tensor) => x.mul(jvp((y: Tensor) => x.add(y), [s(b)], [s(1)])[1]),
        [s(a)],
        [s(1)],
      );
      expectClose([t.item()], [1], { rtol: 0, atol: 0 });
    },
  );

  property.prop([scalarArb, scalarArb])('grad over jvp: d/dx ∂_y (x y²) = 2y', (a, b) => {
    const g = grad((x: Tensor) => jvp((y: Tensor) => x.mul(y).mul(y), [s(b)], [s(1)])[1])(s(a));
    expectClose([g.item()], [2 * b], { rtol: 1e-15, atol: 1e-15 });
  });
});

describe('jvp of grad (Hessian-vector products)', () => {
  const f = (x: Tensor) => x.sum().mul(sin(x).sum()).add(logSumExp(x));
  const vecs = fc.tuple(
    caseOfShapeArb([4], { min: -1.5, max: 1.5 }),
    caseOfShapeArb([4], { min: -1, max: 1 }),
  );

  property.prop([vecs])(
    'jvp(grad f)(x; v) = (grad f(x), H(x) v) and equals grad of ⟨grad f, v⟩',
    ([c, v]) => {
      const x = t64(c);
      const [g, hv] = jvp((y: Tensor) => grad(f)(y), [x], [t64(v)]);
      expectClose(g.data(), grad(f)(x).data(), { rtol: 0, atol: 0 });
      const H = hessian(f)(x).data();
      const expected = range(4).map((i) =>
        range(4).reduce((acc, j) => acc + H[4 * i + j] * v.data[j], 0),
      );
      expectClose(hv.data(), expected, { rtol: 1e-12, atol: 1e-13 });
      // reverse-over-reverse gives the same product (H is symmetric)
      const rr = grad((y: Tensor) => grad(f)(y).mul(t64(v)).sum())(x);
      expectClose(rr.data(), expected, { rtol: 1e-12, atol: 1e-13 });
      // and forward-over-forward along v twice gives vᵀHv
      const [, vhv] = jvp((y: Tensor) => jvp(f, [y], [t64(v)])[1], [x], [t64(v)]);
      expectClose([vhv.item()], [expected.reduce((acc, hvi, i) => acc + hvi * v.data[i], 0)], {
        rtol: 1e-12,
        atol: 1e-13,
      });
    },
  );

  test('grad of a jvp equals jvp of a grad for an elementwise function', () => {
    const x = t64({ shape: [3], data: [0.3, -0.7, 1.1] });
    const ones = t64({ shape: [3], data: [1, 1, 1] });
    const a = grad((y: Tensor) => jvp(tanh, [y], [ones])[1].sum())(x);
    const [, b] = jvp((y: Tensor) => grad((u: Tensor) => tanh(u).sum())(y), [x], [ones]);
    expectClose(a.data(), b.data(), { rtol: 1e-14 });
    expectClose(
      a.data(),
      [0.3, -0.7, 1.1].map((v) => -2 * Math.tanh(v) * (1 - Math.tanh(v) ** 2)),
      { rtol: 1e-13 },
    );
  });
});

describe('pytrees, argnums, hasAux, valueAndGrad, vjp of trees', () => {
  interface Params {
    w: Tensor;
    b: Tensor;
  }
  const xs = t64({ shape: [4, 3], data: range(12).map((i) => Math.sin(i + 1)) });
  const params: Params = {
    w: t64({ shape: [3, 2], data: [0.1, -0.2, 0.3, 0.4, -0.5, 0.6] }),
    b: t64({ shape: [2], data: [0.05, -0.1] }),
  };
  const loss = (p: Params, x: Tensor) => {
    const r = matmul(x, p.w).add(p.b);
    return r.mul(r).sum();
  };
  /** d loss/dw = 2 xᵀ r, d loss/db = 2 Σ_rows r, computed with JS loops. */
  function closedForm(p: Params, x: Tensor) {
    const X = x.toArray() as number[][];
    const w = p.w.toArray() as number[][];
    const b = p.b.toArray() as number[];
    const r = X.map((row) =>
      [0, 1].map((j) => row.reduce((acc, v, k) => acc + v * w[k][j], 0) + b[j]),
    );
    const gw = [0, 1, 2].flatMap((k) =>
      [0, 1].map((j) => 2 * X.reduce((acc, row, n) => acc + row[k] * r[n][j], 0)),
    );
    const gb = [0, 1].map((j) => 2 * r.reduce((acc, rn) => acc + rn[j], 0));
    const value = r.flat().reduce((acc, v) => acc + v * v, 0);
    return { gw, gb, value };
  }

  test('grad over {w, b} returns the same structure and shapes, with closed-form values', () => {
    const g = grad(loss)(params, xs);
    expect(Object.keys(g).sort()).toEqual(['b', 'w']);
    expect(tree.structure(g).equals(tree.structure(params))).toBe(true);
    expect(leafShapes(g)).toEqual(leafShapes(params));
    const { gw, gb } = closedForm(params, xs);
    expectClose(g.w.data(), gw, { rtol: 1e-13, atol: 1e-14 });
    expectClose(g.b.data(), gb, { rtol: 1e-13, atol: 1e-14 });
    gradCheck(loss, [params, xs], { order: 2 });
  });

  test('nested pytrees (lists of objects) keep their structure', () => {
    const layers = [params, { w: params.w.mul(2), b: params.b.neg() }];
    const f = (ls: Params[]) =>
      ls.reduce((acc, p) => acc.add(loss(p, xs)), tensor(new Float64Array([0]), { shape: [] }));
    const g = grad(f)(layers);
    expect(Array.isArray(g)).toBe(true);
    expect(g).toHaveLength(2);
    expect(tree.structure(g).equals(tree.structure(layers))).toBe(true);
    expectClose(g[1].b.data(), closedForm(layers[1], xs).gb, { rtol: 1e-13, atol: 1e-14 });
  });

  test('argnums: [0, 1] returns a tuple in argnums order; [1, 0] reverses it; a number returns one tree', () => {
    const [gp, gx] = grad(loss, { argnums: [0, 1] })(params, xs);
    expect(leafShapes(gp)).toEqual(leafShapes(params));
    expect([...gx.shape]).toEqual([4, 3]);
    const [gx2, gp2] = grad(loss, { argnums: [1, 0] })(params, xs);
    expectClose(gx2.data(), gx.data(), { rtol: 0, atol: 0 });
    expectClose(gp2.w.data(), gp.w.data(), { rtol: 0, atol: 0 });
    const only = grad(loss, { argnums: 1 })(params, xs);
    expectClose(only.data(), gx.data(), { rtol: 0, atol: 0 });
    // d loss/dx = 2 r wᵀ
    const r = matmul(xs, params.w).add(params.b);
    expectClose(gx.data(), matmul(r, params.w.transpose()).mul(2).data(), {
      rtol: 1e-13,
      atol: 1e-14,
    });
  });

  test('hasAux: aux (tensors and static values) passes through undifferentiated', () => {
    const f = (p: Params, x: Tensor) => {
      const r = matmul(x, p.w).add(p.b);
      return [r.mul(r).sum(), { residual: r, note: 'static', count: 4 }] as const;
    };
    const [g, aux] = grad(f, { hasAux: true })(params, xs);
    expectClose(g.w.data(), closedForm(params, xs).gw, { rtol: 1e-13, atol: 1e-14 });
    expect(aux.note).toBe('static');
    expect(aux.count).toBe(4);
    expectClose(aux.residual.data(), matmul(xs, params.w).add(params.b).data(), {
      rtol: 0,
      atol: 0,
    });
    const [[value, aux2], g2] = valueAndGrad(f, { hasAux: true })(params, xs);
    expectClose([value.item()], [closedForm(params, xs).value], { rtol: 1e-13 });
    expect(aux2.note).toBe('static');
    expectClose(g2.b.data(), g.b.data(), { rtol: 0, atol: 0 });
  });

  property.prop([caseOfShapeArb([4, 3], { min: -2, max: 2 })])(
    'valueAndGrad = [f(x), grad f(x)]',
    (c) => {
      const [value, g] = valueAndGrad(loss)(params, t64(c));
      expectClose([value.item()], [loss(params, t64(c)).item()], { rtol: 1e-15 });
      const { gw, gb, value: v } = closedForm(params, t64(c));
      expectClose([value.item()], [v], { rtol: 1e-13 });
      expectClose(g.w.data(), gw, { rtol: 1e-12, atol: 1e-13 });
      expectClose(g.b.data(), gb, { rtol: 1e-12, atol: 1e-13 });
    },
  );

  test('vjp of a tree-valued function: the pullback takes a cotangent tree and returns one per argument', () => {
    const f = (p: Params, scale: Tensor) => ({
      y: p.w.mul(scale),
      z: [p.b.sum(), sum(p.w.mul(p.w))],
    });
    const scale = t64({ shape: [2], data: [2, -3] });
    const [out, pullback] = vjp(f, params, scale);
    expect([...out.y.shape]).toEqual([3, 2]);
    expect(out.z).toHaveLength(2);
    const ct = {
      y: t64({ shape: [3, 2], data: [1, 2, 3, 4, 5, 6] }),
      z: [t64({ shape: [], data: [10] }), t64({ shape: [], data: [0.5] })],
    };
    const [gp, gs] = pullback(ct);
    expect(tree.structure(gp).equals(tree.structure(params))).toBe(true);
    const w = params.w.data();
    // ∂/∂w: ct.y · scale + 0.5 · 2w ; ∂/∂b: 10 ; ∂/∂scale: Σ_rows ct.y · w
    expectClose(
      gp.w.data(),
      range(6).map((k) => (k + 1) * [2, -3][k % 2] + w[k]),
      { rtol: 1e-14 },
    );
    expectClose(gp.b.data(), [10, 10], { rtol: 0, atol: 0 });
    expectClose(
      gs.data(),
      [0, 1].map((j) => [0, 1, 2].reduce((acc, r) => acc + (2 * r + j + 1) * w[2 * r + j], 0)),
      { rtol: 1e-14 },
    );
  });

  property.prop([caseOfShapeArb([3], { min: -2, max: 2 })])(
    'checkGrads of a tree → tree function, order 2',
    (c) => {
      const f = (p: { a: Tensor; b: Tensor[] }) => ({
        s: p.a.mul(p.b[0]).sin(),
        t: [p.b[1].exp().sum()],
      });
      gradCheck(f, [{ a: t64(c), b: [t64(c).mul(0.5), t64(c).neg()] }], { order: 2 });
    },
  );
});
