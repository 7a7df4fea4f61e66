// jit of customJvp/customVjp functions on whichever lowering the project pins (LOOM_JIT_BACKEND):
// the calls are inlined when not differentiated, jit(grad) and grad(jit) use the custom rules and
// equal eager execution and the hand-derived references, and forward mode of a customVjp
// function fails under jit as it does eagerly.
import { describe, expect, test } from 'vitest';
import {
  customVjp,
  grad,
  jit,
  jvp,
  NotDifferentiableError,
  stack,
  sum,
  type Tensor,
  tanh,
  tensor,
  vmap,
} from '../src/index.js';
import {
  clipGradient,
  clippedRnnLoss,
  clippedRnnReference,
  f64,
  H0,
  logSumExp,
  softplus,
  W0,
  XS,
} from './custom_derivatives_cases.js';
import { expectError } from './expect_error.js';
import { expectJitMatches, expectSameTensor } from './jit_helpers.js';

const softplusLoss = (x: Tensor) => sum(softplus(x));
const sigmoidRef = (xs: number[]) => xs.map((v) => 1 / (1 + Math.exp(-v)));

describe('jit of customJvp', () => {
  const xs = [1000, 40, 2.5, -3, -60];

  test('jit(f), jit(grad(f)) and grad(jit(f)) equal eager and the formula (f64, f32)', () => {
    for (const dtype of ['float64', 'float32'] as const) {
      const x = tensor(xs, { dtype });
      expectJitMatches(softplus, [x]);
      const g = expectJitMatches(grad(softplusLoss), [x]);
      const expected = tensor(sigmoidRef(xs), { dtype });
      const tol = dtype === 'float64' ? { rtol: 1e-12, atol: 1e-12 } : { rtol: 1e-6, atol: 1e-7 };
      expectSameTensor(g, expected, tol);
      expectSameTensor(grad((v: Tensor) => sum(jit(softplus)(v)))(x), expected, tol);
    }
  });

  test('jit(vmap(grad)) of a stable log-sum-exp equals per-row softmax', () => {
    const rows = [
      [1, 2, 3],
      [800, 801, 799],
    ];
    const g = expectJitMatches(vmap(grad(logSumExp)), [f64(rows)]);
    const expected = rows.flatMap((r) => {
      const m = Math.max(...r);
      const e = r.map((v) => Math.exp(v - m));
      const s = e.reduce((a, b) => a + b, 0);
      return e.map((q) => q / s);
    });
    expectSameTensor(g, f64(expected).reshape([2, 3]));
  });
});

describe('jit of customVjp', () => {
  test('jit(grad) of the clipped 20-step RNN equals the hand-written clipped BPTT', () => {
    const ref = clippedRnnReference();
    const [dW, dh0, dxs] = expectJitMatches(grad(clippedRnnLoss, { argnums: [0, 1, 2] }), [
      f64(W0),
      f64(H0),
      f64(XS),
    ]);
    expectSameTensor(dW, f64(ref.dW).reshape([2, 2]));
    expectSameTensor(dh0, f64(ref.dh0));
    expectSameTensor(dxs, f64(ref.dxs).reshape([XS.length, 2]));
  });

  test('jit(vmap(grad)) over sequences equals per-sequence eager grads', () => {
    const batch = [f64(XS), f64(XS.map(([a, b]) => [b, -a]))];
    const perExample = expectJitMatches(vmap(grad(clippedRnnLoss), { inAxes: [null, null, 0] }), [
      f64(W0),
      f64(H0),
      stack(batch),
    ]);
    batch.forEach((xs, i) => {
      const one = grad(clippedRnnLoss)(f64(W0), f64(H0), xs);
      expectSameTensor(perExample.slice([i, 0, 0], [i + 1, 2, 2]).reshape([2, 2]), one);
    });
  });

  test('without differentiation the call is inlined: no eager fallback in the program', () => {
    const f = (x: Tensor) => tanh(clipGradient(x.mul(2)));
    const x = f64([0.5, -1, 2]);
    expectJitMatches(f, [x]);
    const lowered = jit(f).lower(x);
    expect(lowered.toString()).toContain('custom_vjp_call');
    expect(lowered.source).not.toContain('custom_vjp_call');
  });

  test('a clipping bwd under jit(grad) clips: gradient norm at most the bound', () => {
    const clip = customVjp(
      (x: Tensor) => x,
      (x: Tensor) => [x, null] as const,
      (_r: null, g: Tensor) => [g.div(g.mul(g).sum().sqrt().maximum(1))],
    );
    const g = jit(grad((x: Tensor) => sum(clip(x).mul(f64([3, 4])))))(f64([1, 1]));
    // The upstream gradient [3, 4] has norm 5; clipped to norm 1 it is [0.6, 0.8].
    expectSameTensor(g, f64([0.6, 0.8]));
  });

  test('jit of forward mode of a customVjp function is a NotDifferentiableError', () => {
    const x = f64([1, 2]);
    expectError(
      () => jit((v: Tensor) => jvp(clipGradient, [v], [v])[1])(x),
      NotDifferentiableError,
      'customVjp',
      'forward-mode',
    );
  });
});
