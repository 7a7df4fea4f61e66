// jit of switchCase (n-branch cond) and of foriLoop with traced bounds, on whichever lowering the
// project pins (LOOM_JIT_BACKEND): jit(f) must equal the eager f and hand-written references.
import { describe, expect, test } from 'vitest';
import {
  foriLoop,
  grad,
  jit,
  jvp,
  NotDifferentiableError,
  sum,
  switchCase,
  type Tensor,
  tensor,
  vmap,
} from '../src/index.js';

const f64 = (x: number | number[]) => tensor(x, { dtype: 'float64' });
const f32 = (x: number[]) => tensor(x, { dtype: 'float32' });
const i32 = (x: number | number[]) => tensor(x, { dtype: 'int32' });

const branches = [
  (a: Tensor, b: Tensor) => a.sin().mul(b),
  (a: Tensor, b: Tensor) => a.mul(a).sub(b),
  (a: Tensor, b: Tensor) => a.mul(b).tanh(),
  (a: Tensor, _b: Tensor) => a.neg(),
];
const reference = [
  (a: number, b: number) => Math.sin(a) * b,
  (a: number, b: number) => a * a - b,
  (a: number, b: number) => Math.tanh(a * b),
  (a: number, _b: number) => -a,
];
const pick = (k: number) => reference[Math.min(Math.max(k, 0), reference.length - 1)];
const sw = (k: Tensor, a: Tensor, b: Tensor) => switchCase(k, branches, a, b);

describe('jit(switchCase)', () => {
  const x = [0.25, -0.5, 1.5];
  const y = [2, 0.5, -1];

  test('equals eager and the reference for every index, clamped ones included (f64 and f32)', () => {
    const jitted = jit(sw);
    for (const k of [-2, 0, 1, 2, 3, 10]) {
      const got = jitted(i32(k), f64(x), f64(y)).data();
      const eager = sw(i32(k), f64(x), f64(y)).data();
      x.forEach((a, i) => {
        expect(got[i]).toBe(eager[i]);
        expect(got[i]).toBeCloseTo(pick(k)(a, y[i]), 14);
      });
      const got32 = jitted(i32(k), f32(x), f32(y)).data();
      const eager32 = sw(i32(k), f32(x), f32(y)).data();
      x.forEach((_, i) => {
        expect(got32[i]).toBeCloseTo(eager32[i], 6);
      });
    }
  });

  test('the pinned lowering compiles the switch itself (no fallback)', () => {
    const pinned = globalThis.process?.env.LOOM_JIT_BACKEND;
    const lowered = jit(sw).lower(i32(1), f64(x), f64(y));
    expect(['js', 'wasm']).toContain(lowered.backend);
    if (pinned === 'js' || pinned === 'wasm') expect(lowered.backend).toBe(pinned);
  });

  test('a constant index inside the jitted function', () => {
    const jitted = jit((a: Tensor, b: Tensor) => switchCase(2, branches, a, b));
    const got = jitted(f64(x), f64(y)).data();
    x.forEach((a, i) => {
      expect(got[i]).toBeCloseTo(pick(2)(a, y[i]), 14);
    });
  });

  test('jit(grad) and grad(jit) equal the hand-derived derivative per branch', () => {
    const dRef = [
      (a: number, b: number) => Math.cos(a) * b,
      (a: number) => 2 * a,
      (a: number, b: number) => b * (1 - Math.tanh(a * b) ** 2),
      () => -1,
    ];
    const loss = (k: Tensor, a: Tensor, b: Tensor) => sum(sw(k, a, b));
    const g1 = jit(grad(loss, { argnums: 1 }));
    const g2 = grad(jit(loss), { argnums: 1 });
    for (const k of [0, 1, 2, 3, 5]) {
      const want = x.map((a, i) => dRef[Math.min(k, 3)](a, y[i]));
      const a1 = g1(i32(k), f64(x), f64(y)).data();
      const a2 = g2(i32(k), f64(x), f64(y)).data();
      want.forEach((w, i) => {
        expect(a1[i]).toBeCloseTo(w, 12);
        expect(a2[i]).toBeCloseTo(w, 12);
      });
    }
  });

  test('jit(vmap) with a batched index selects per lane', () => {
    const ks = [3, 0, -1, 2, 1, 9];
    const xs = [0.1, 0.2, 0.3, -0.4, 0.5, 0.6];
    const ys = [1, -1, 2, 0.5, -0.25, 3];
    const out = jit(vmap(sw))(i32(ks), f64(xs), f64(ys)).data();
    ks.forEach((k, i) => {
      expect(out[i]).toBeCloseTo(pick(k)(xs[i], ys[i]), 14);
    });
  });
});

describe('foriLoop with traced bounds lowers to a while loop', () => {
  // carry = carry * x + i for i in [lower, upper): a hand-written reference.
  const ref = (lo: number, hi: number, x: number, c0: number) => {
    let c = c0;
    for (let i = lo; i < hi; i++) c = c * x + i;
    return c;
  };
  const poly = (lo: Tensor | number, hi: Tensor | number, x: Tensor) =>
    foriLoop(
      lo,
      hi,
      (i: Tensor, c: Tensor) => c.mul(x).add(i.astype('float64')),
      f64(1).reshape([]),
    );

  test('jit with run-time bounds equals the hand-written loop, one compilation for all bounds', () => {
    const f = jit((lo: Tensor, hi: Tensor, x: Tensor) => poly(lo, hi, x));
    for (const [lo, hi] of [
      [0, 5],
      [2, 3],
      [4, 4],
      [6, 2],
      [-3, 4],
    ]) {
      expect(f(i32(lo), i32(hi), f64(0.7).reshape([])).item()).toBeCloseTo(ref(lo, hi, 0.7, 1), 12);
    }
    // A mixed pair: a static lower and a traced upper.
    const g = jit((hi: Tensor, x: Tensor) => poly(1, hi, x));
    expect(g(i32(6), f64(1.3).reshape([])).item()).toBeCloseTo(ref(1, 6, 1.3, 1), 12);
  });

  test('jvp works and matches a float64 central difference', () => {
    const f = jit((hi: Tensor, x: Tensor) => poly(0, hi, x));
    const x = 0.8;
    const [, t] = jvp((v: Tensor) => f(i32(6), v), [f64(x).reshape([])], [f64(1).reshape([])]);
    const eps = 1e-6;
    const fd = (ref(0, 6, x + eps, 1) - ref(0, 6, x - eps, 1)) / (2 * eps);
    expect(t.item()).toBeCloseTo(fd, 7);
  });

  test('reverse mode raises the JAX-style error', () => {
    const f = jit((hi: Tensor, x: Tensor) => poly(0, hi, x));
    const run = () => grad((v: Tensor) => f(i32(3), v))(f64(0.5).reshape([]));
    expect(run).toThrow(NotDifferentiableError);
    expect(run).toThrow(
      /does not work for whileLoop, or for foriLoop with dynamic \(traced\) start\/stop/,
    );
  });

  test('vmap over per-example upper bounds runs each lane its own trip count', () => {
    const his = [0, 3, 5, 1];
    const xs = [0.5, 1.5, -0.5, 2];
    const out = jit(vmap((hi: Tensor, x: Tensor) => poly(0, hi, x)))(i32(his), f64(xs)).data();
    his.forEach((hi, i) => {
      expect(out[i]).toBeCloseTo(ref(0, hi, xs[i], 1), 12);
    });
  });
});
