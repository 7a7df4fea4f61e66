// customJvp and customVjp: user-defined derivatives through grad, vmap, scan and higher order,
// checked against float64 formulas derived by hand, finite differences (checkGrads) and the
// plain autodiff of equivalent functions; and the typed errors for bad rules.
import {
  checkGrads,
  customJvp,
  customVjp,
  DtypeError,
  exp,
  grad,
  InvalidArgumentError,
  jvp,
  log1p,
  makeJaxpr,
  matmul,
  NotDifferentiableError,
  ShapeError,
  scan,
  stack,
  sum,
  type Tensor,
  TreeStructureError,
  tanh,
  tensor,
  vjp,
  vmap,
  where,
} from '@loom/core';
import { describe, expect, test } from 'vitest';
import {
  clipGradient,
  clippedRnnLoss,
  clippedRnnReference,
  f64,
  H0,
  logSumExp,
  STEPS,
  softplus,
  U,
  W0,
  XS,
} from './custom_derivatives_cases.js';
import { expectError } from './expect_error.js';

const values = (t: Tensor) => Array.from(t.data() as Float64Array);

function expectClose(actual: Tensor, expected: readonly number[], tol = 1e-12) {
  const a = values(actual);
  expect(a.length).toBe(expected.length);
  a.forEach((v, i) => {
    expect(Number.isFinite(v), `element ${i} is ${v}`).toBe(true);
    expect(Math.abs(v - expected[i])).toBeLessThanOrEqual(tol * (1 + Math.abs(expected[i])));
  });
}

// ---------------------------------------------------------------------------------------------
// customJvp: a numerically stable softplus and log-sum-exp
// ---------------------------------------------------------------------------------------------

const naiveSoftplus = (x: Tensor) => where(x.gt(30), x, log1p(exp(x)));

describe('customJvp: stable softplus', () => {
  const xs = [1000, 40, 2.5, 0.25, -3, -60];
  const x = f64(xs);

  test('grad is finite at x = 1000 where autodiff gives NaN', () => {
    const naive = values(grad((v: Tensor) => sum(naiveSoftplus(v)))(x));
    expect(Number.isNaN(naive[0])).toBe(true);
    const g = grad((v: Tensor) => sum(softplus(v)))(x);
    expectClose(
      g,
      xs.map((v) => 1 / (1 + Math.exp(-v))),
    );
  });

  test('the primal value is f, and jvp uses the rule', () => {
    expectClose(
      softplus(x),
      xs.map((v) => (v > 30 ? v : Math.log1p(Math.exp(v)))),
    );
    const t = f64([0.5, -1, 2, 3, -0.25, 1]);
    const [out, tangent] = jvp(softplus, [x], [t]);
    expectClose(out, values(softplus(x)));
    expectClose(
      tangent,
      xs.map((v, i) => values(t)[i] / (1 + Math.exp(-v))),
    );
  });

  test('agrees with finite differences where f is smooth (forward and reverse)', () => {
    checkGrads(softplus, [f64([-2, -0.5, 0.1, 1.7, 4])]);
    checkGrads((v: Tensor) => sum(softplus(v).mul(v)), [f64([-1.5, 0.3, 2.2])], { order: 2 });
  });
});

describe('customJvp: stable log-sum-exp', () => {
  const xs = [1000, 999, 997.5, 1000.25];
  const mx = Math.max(...xs);
  const es = xs.map((v) => Math.exp(v - mx));
  const z = es.reduce((a, b) => a + b, 0);
  const softmax = es.map((e) => e / z);

  test('value and gradient (softmax) at inputs near 1000', () => {
    const x = f64(xs);
    expectClose(logSumExp(x), [mx + Math.log(z)]);
    expectClose(grad(logSumExp)(x), softmax);
  });

  test('second order: a Hessian-vector product (diag(p) - p pᵀ) v through the rule', () => {
    const v = [0.5, -1, 2, 0.25];
    const pv = softmax.reduce((a, p, i) => a + p * v[i], 0);
    const [, hv] = jvp(grad(logSumExp), [f64(xs)], [f64(v)]);
    expectClose(
      hv,
      softmax.map((p, i) => p * v[i] - p * pv),
    );
  });

  test('vmap over rows and per-row gradients', () => {
    const rows = [
      [1, 2, 3],
      [800, 801, 799],
    ];
    const x = f64(rows);
    const expected = rows.map((r) => {
      const m = Math.max(...r);
      const e = r.map((v) => Math.exp(v - m));
      const s = e.reduce((a, b) => a + b, 0);
      return { value: m + Math.log(s), grad: e.map((q) => q / s) };
    });
    expectClose(
      vmap(logSumExp)(x),
      expected.map((e) => e.value),
    );
    expectClose(
      vmap(grad(logSumExp))(x),
      expected.flatMap((e) => e.grad),
    );
    expectClose(
      grad((a: Tensor) => sum(vmap(logSumExp)(a)))(x),
      expected.flatMap((e) => e.grad),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// customVjp: gradient clipping in the backward pass, inside a scan (BPTT over 20 steps)
// ---------------------------------------------------------------------------------------------

describe('customVjp: per-step gradient clipping in a scan (BPTT)', () => {
  const ref = clippedRnnReference();

  test('the reference clips some steps and not others', () => {
    expect(ref.clipped).toBeGreaterThan(0);
    expect(ref.clipped).toBeLessThan(STEPS);
  });

  test('grad through 20 steps equals the hand-written clipped BPTT', () => {
    const [dW, dh0, dxs] = grad(clippedRnnLoss, { argnums: [0, 1, 2] })(f64(W0), f64(H0), f64(XS));
    expectClose(dW, ref.dW);
    expectClose(dh0, ref.dh0);
    expectClose(dxs, ref.dxs);
  });

  test('the forward pass is the plain RNN (clipping acts only on gradients)', () => {
    const plain = (w: Tensor, h0: Tensor, xs: Tensor) =>
      sum(
        scan(
          (h: Tensor, x: Tensor): [Tensor, Tensor] => {
            const next = tanh(matmul(h, w).add(x));
            return [next, next];
          },
          h0,
          xs,
        )[1].mul(f64(U)),
      );
    expectClose(
      clippedRnnLoss(f64(W0), f64(H0), f64(XS)),
      values(plain(f64(W0), f64(H0), f64(XS))),
    );
  });

  test('vmap(grad) over a batch of sequences equals per-sequence grads', () => {
    const batch = [f64(XS), f64(XS.map(([a, b]) => [-b, 0.5 * a]))];
    const perExample = vmap(grad(clippedRnnLoss), { inAxes: [null, null, 0] })(
      f64(W0),
      f64(H0),
      stack(batch),
    );
    const expected = batch.flatMap((xs) => values(grad(clippedRnnLoss)(f64(W0), f64(H0), xs)));
    expectClose(perExample, expected);
  });
});

// ---------------------------------------------------------------------------------------------
// Straight-through estimators
// ---------------------------------------------------------------------------------------------

const threshold = (x: Tensor) => where(x.gt(0), 1, -1).astype(x.dtype);

describe('straight-through estimator: a step forward, identity backward', () => {
  const x = f64([-1.5, -0.25, 0.4, 2]);
  const w = f64([0.3, -2, 1.25, 0.75]);
  const steVjp = customVjp(
    threshold,
    (v: Tensor) => [threshold(v), null] as const,
    (_res: null, g: Tensor) => [g],
  );
  const steJvp = customJvp(threshold, ([v], [t]) => [threshold(v), t]);

  test.each([
    ['customVjp', steVjp],
    ['customJvp', steJvp],
  ])('%s: forward is the step, grad is the upstream gradient', (_name, ste) => {
    expectClose(ste(x), [-1, -1, 1, 1]);
    expectClose(grad((v: Tensor) => sum(ste(v).mul(w)))(x), values(w));
    // Plain autodiff of the step is zero everywhere: the estimator is what makes it trainable.
    expectClose(grad((v: Tensor) => sum(threshold(v).mul(w)))(x), [0, 0, 0, 0]);
  });
});

// ---------------------------------------------------------------------------------------------
// Pytrees, closures and batching of customVjp
// ---------------------------------------------------------------------------------------------

describe('customVjp with pytree arguments and residuals', () => {
  type P = { w: Tensor; b: Tensor };
  const layerPlain = (p: P, x: Tensor) => tanh(p.w.mul(x).add(p.b));
  // bwd by hand: d tanh(a) = 1 - tanh², a = w x + b.
  const layer = customVjp(
    layerPlain,
    (p: P, x: Tensor) => {
      const y = layerPlain(p, x);
      return [y, { y, x, w: p.w }] as const;
    },
    (r: { y: Tensor; x: Tensor; w: Tensor }, g: Tensor) => {
      const da = g.mul(r.y.mul(r.y).neg().add(1));
      return [{ w: da.mul(r.x), b: da }, da.mul(r.w)];
    },
  );
  const p = { w: f64([0.5, -1.2, 0.8]), b: f64([0.1, 0.2, -0.3]) };
  const x = f64([1.5, 0.25, -2]);
  const loss = (f: typeof layerPlain) => (q: P, v: Tensor) => sum(f(q, v).mul(f64([1, -2, 0.5])));

  test('grads of every leaf equal plain autodiff', () => {
    const [gp, gx] = grad(loss(layer), { argnums: [0, 1] })(p, x);
    const [rp, rx] = grad(loss(layerPlain), { argnums: [0, 1] })(p, x);
    expectClose(gp.w, values(rp.w));
    expectClose(gp.b, values(rp.b));
    expectClose(gx, values(rx));
  });

  test('a null cotangent means no gradient for that argument', () => {
    const noX = customVjp(
      layerPlain,
      (q: P, v: Tensor) => [layerPlain(q, v), { q, v }] as const,
      (r: { q: P; v: Tensor }, g: Tensor) => {
        const y = layerPlain(r.q, r.v);
        const da = g.mul(y.mul(y).neg().add(1));
        return [{ w: da.mul(r.v), b: da }, null];
      },
    );
    const [gp, gx] = grad(loss(noX), { argnums: [0, 1] })(p, x);
    expectClose(gp.b, values(grad(loss(layerPlain))(p, x).b));
    expectClose(gx, [0, 0, 0]);
  });

  test('vjp with a non-scalar output and a shared (unbatched) parameter under vmap', () => {
    const xs = f64([
      [1.5, 0.25, -2],
      [-0.5, 1, 0.75],
    ]);
    const batchedLoss = (f: typeof layerPlain) => (q: P) =>
      sum(vmap((v: Tensor) => f(q, v))(xs).mul(xs));
    const g = grad(batchedLoss(layer))(p);
    const r = grad(batchedLoss(layerPlain))(p);
    expectClose(g.w, values(r.w));
    expectClose(g.b, values(r.b));
    const [out, pullback] = vjp((v: Tensor) => layer(p, v), x);
    const ct = f64([0.5, 1, -1]);
    const [plainOut, plainPullback] = vjp((v: Tensor) => layerPlain(p, v), x);
    expectClose(out, values(plainOut));
    expectClose(pullback(ct)[0], values(plainPullback(ct)[0]));
  });

  test('closing over a vmapped value is batched with the function', () => {
    const scale = f64([1, 2, 3]);
    const perRow = vmap((s: Tensor) => {
      const scaled = customVjp(
        (v: Tensor) => v.mul(s),
        (v: Tensor) => [v.mul(s), null] as const,
        (_r: null, g: Tensor) => [g.mul(s)],
      );
      return grad((v: Tensor) => sum(scaled(v).mul(v)))(f64([0.5, -1]));
    })(scale);
    // d/dv Σ (v s) v = v s (from bwd) + v s (product rule) = 2 v s.
    expectClose(perRow, [1, -2, 2, -4, 3, -6]);
  });
});

describe('IR listing', () => {
  test('custom_vjp_call and custom_jvp_call print their programs, not the rules’ source', () => {
    const text = makeJaxpr((v: Tensor) => softplus(clipGradient(v)))(f64([1, 2])).toString();
    expect(text).toContain('custom_vjp_call');
    expect(text).toContain('custom_jvp_call');
    expect(text).toContain('fwd=');
    expect(text).toContain('bwd="customVjp bwd"');
    expect(text).not.toContain('=>');
  });
});

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

describe('typed errors', () => {
  const x = f64([1, 2]);
  const identityWith = (bwd: (r: null, g: Tensor) => unknown) =>
    customVjp(
      (v: Tensor) => v.mul(2),
      (v: Tensor) => [v.mul(2), null] as const,
      bwd as (r: null, g: Tensor) => [Tensor],
    );

  test('bwd returning the wrong number of cotangents', () => {
    const f = identityWith((_r, g) => [g, g]);
    expectError(
      () => grad((v: Tensor) => sum(f(v)))(x),
      TreeStructureError,
      'customVjp',
      'bwd returned 2 cotangents',
      '1 argument',
    );
  });

  test('bwd returning a non-array', () => {
    const f = identityWith((_r, g) => g);
    expectError(
      () => grad((v: Tensor) => sum(f(v)))(x),
      TreeStructureError,
      'customVjp: bwd must return an array',
      'a Tensor f64[2]',
    );
  });

  test('bwd returning a cotangent of the wrong shape or dtype', () => {
    const wrongShape = identityWith(() => [f64([1, 2, 3])]);
    expectError(
      () => grad((v: Tensor) => sum(wrongShape(v)))(x),
      ShapeError,
      'customVjp',
      "bwd's cotangent for argument 0",
      '[3]',
      'argument 0 has shape [2]',
    );
    const wrongDtype = identityWith(() => [tensor([1, 2])]);
    expectError(
      () => grad((v: Tensor) => sum(wrongDtype(v)))(x),
      DtypeError,
      "customVjp: bwd's cotangent for argument 0 has dtype float32",
      'float64',
    );
  });

  test('bwd returning the wrong tree for a pytree argument', () => {
    const f = customVjp(
      (p: { a: Tensor; b: Tensor }) => p.a.mul(p.b),
      (p: { a: Tensor; b: Tensor }) => [p.a.mul(p.b), p] as const,
      (r: { a: Tensor; b: Tensor }, g: Tensor) => [{ a: g.mul(r.b) } as { a: Tensor; b: Tensor }],
    );
    expectError(
      () => grad((p: { a: Tensor; b: Tensor }) => sum(f(p)))({ a: x, b: x }),
      TreeStructureError,
      "customVjp: bwd's cotangent for argument 0 has the tree structure",
      'argument 0 has',
    );
  });

  test('fwd whose output differs from f', () => {
    const f = customVjp(
      (v: Tensor) => v,
      (v: Tensor) => [sum(v), null] as const,
      (_r: null, g: Tensor) => [g],
    );
    expectError(
      () => f(x),
      ShapeError,
      "customVjp: fwd's output has shape []",
      "f's output",
      '[2]',
    );
    const g = customVjp(
      (v: Tensor) => v,
      (v: Tensor) => v as unknown as readonly [Tensor, null],
      (_r: null, c: Tensor) => [c],
    );
    expectError(() => g(x), TreeStructureError, 'customVjp: fwd must return [output, residuals]');
  });

  test('forward mode of a customVjp function', () => {
    expectError(
      () => jvp(clipGradient, [x], [x]),
      NotDifferentiableError,
      'customVjp',
      'forward-mode',
      'grad, vjp or jacrev',
    );
  });

  test('differentiating a value the function closes over', () => {
    const vjpCase = (w: Tensor) => {
      const f = customVjp(
        (v: Tensor) => v.mul(w),
        (v: Tensor) => [v.mul(w), null] as const,
        (_r: null, g: Tensor) => [g.mul(w)],
      );
      return sum(f(x));
    };
    expectError(
      () => grad(vjpCase)(f64([3, 4])),
      InvalidArgumentError,
      'customVjp: the function closes over a value f64[2] that is being differentiated',
      'as an argument',
    );
    const jvpCase = (w: Tensor) =>
      sum(
        customJvp(
          (v: Tensor) => v.mul(w),
          ([v], [t]) => [v.mul(w), t.mul(w)],
        )(x),
      );
    expectError(
      () => grad(jvpCase)(f64([3, 4])),
      InvalidArgumentError,
      'customJvp: the function closes over a value f64[2] that is being differentiated',
    );
  });

  test('vmap of a customJvp function that closes over a batched value', () => {
    expectError(
      () =>
        vmap((w: Tensor) =>
          customJvp(
            (v: Tensor) => v.mul(w),
            ([v], [t]) => [v.mul(w), t.mul(w)],
          )(x),
        )(
          f64([
            [1, 2],
            [3, 4],
            [5, 6],
          ]),
        ),
      InvalidArgumentError,
      'customJvp: the function closes over a value f64[2] that is batched by vmap',
    );
  });

  test('jvpRule returning a tangent of the wrong shape, or not a pair', () => {
    const bad = customJvp(
      (v: Tensor) => v.mul(2),
      ([v], [t]) => [v.mul(2), sum(t)],
    );
    expectError(
      () => grad((v: Tensor) => sum(bad(v)))(x),
      ShapeError,
      "customJvp: jvpRule's tangent output has shape []",
      "f's output has shape [2]",
    );
    const notPair = customJvp(
      (v: Tensor) => v,
      (([v]: [Tensor]) => v) as unknown as (p: [Tensor], t: [Tensor]) => [Tensor, Tensor],
    );
    expectError(
      () => jvp(notPair, [x], [x]),
      TreeStructureError,
      'customJvp: jvpRule must return [primalOut, tangentOut]',
    );
  });

  test('non-function rules and non-tensor arguments', () => {
    expectError(
      () =>
        customVjp(
          (v: Tensor) => v,
          (v: Tensor) => [v, null] as const,
          3 as never,
        ),
      InvalidArgumentError,
      'customVjp: bwd must be a function, got number',
    );
    expectError(
      () => customJvp((v: Tensor) => v, null as never),
      InvalidArgumentError,
      'customJvp: jvpRule must be a function',
    );
    expectError(
      () => softplus([1, 2] as unknown as Tensor),
      TreeStructureError,
      'customJvp: argument 0 at [0] is number',
    );
  });
});

describe('composition', () => {
  test('customJvp inside a scan body: grad through the scan uses the rule at every step', () => {
    // Σ_t softplus(w x_t): d/dw = Σ_t x_t σ(w x_t), finite although w x_t reaches 900.
    const xs = [0.5, -2, 300, 1.25, -40];
    const loss = (w: Tensor) =>
      scan(
        (acc: Tensor, x: Tensor): [Tensor, Tensor] => [acc.add(softplus(x.mul(w))), x],
        f64([0]).reshape([]),
        f64(xs),
      )[0];
    const w = 3;
    expectClose(grad(loss)(f64([w]).reshape([])), [
      xs.reduce((a, x) => a + x / (1 + Math.exp(-w * x)), 0),
    ]);
  });

  test('second order through bwd, and vmap of the primal', () => {
    // x³ with a hand-written bwd 3x²·g; grad(grad) differentiates bwd itself: 6x.
    const cube = customVjp(
      (x: Tensor) => x.mul(x).mul(x),
      (x: Tensor) => [x.mul(x).mul(x), x] as const,
      (x: Tensor, g: Tensor) => [g.mul(x).mul(x).mul(3)],
    );
    const xs = [0.5, -1.5, 2];
    const x = f64(xs);
    expectClose(
      vmap(grad(grad((v: Tensor) => cube(v))))(x),
      xs.map((v) => 6 * v),
    );
    expectClose(
      vmap(cube)(x),
      xs.map((v) => v ** 3),
    );
  });
});
