// The first three updates of every optimizer against its documented formula, in plain JS.
import { type Tensor, tree } from '@loom/core';
import { describe, expect, test } from 'vitest';
import { expectClose, f64 } from '../../test/reference.js';
import { adagrad, adam, adamw, rmsprop, sgd } from './alias.js';
import { applyUpdates, type GradientTransformation } from './base.js';

type P = { w: Tensor; b: Tensor };
const p0 = { w: [0.5, -1.5, 2], b: [0.25] };
const grads = [
  { w: [0.1, -0.2, 0.3], b: [1] },
  { w: [-0.4, 0.5, 0.05], b: [-2] },
  { w: [0.2, 0.2, -0.6], b: [0.5] },
];
type Flat = { w: number[]; b: number[] };
const toTree = (f: Flat): P => ({ w: f64(f.w), b: f64(f.b) });

/** Runs the library optimizer for three steps, returning each step's updates as numbers. */
function runLib(opt: GradientTransformation): Flat[] {
  let params = toTree(p0);
  let state = opt.init(params);
  return grads.map((g) => {
    const [u, s] = opt.update(toTree(g), state, params);
    state = s;
    params = applyUpdates(params, u);
    return { w: Array.from(u.w.data()), b: Array.from(u.b.data()) };
  });
}

/**
 * Runs a per-element reference rule `step(g, p, t, slot)` (t = 1, 2, 3; slot = element id for
 * its private state), applying the updates to the params in between.
 */
function runRef(
  rule: (g: number, p: number, t: number, s: Record<string, number>) => number,
): Flat[] {
  const params = { w: [...p0.w], b: [...p0.b] };
  const slots = new Map<string, Record<string, number>>();
  return grads.map((g, i) => {
    const out: Flat = { w: [], b: [] };
    for (const k of ['b', 'w'] as const) {
      g[k].forEach((gv, j) => {
        const id = `${k}${j}`;
        if (!slots.has(id)) slots.set(id, {});
        const u = rule(gv, params[k][j], i + 1, slots.get(id)!);
        out[k].push(u);
      });
    }
    for (const k of ['b', 'w'] as const) {
      out[k].forEach((u, j) => {
        params[k][j] += u;
      });
    }
    return out;
  });
}

const lr = 0.1;

describe('first three updates match the documented formulas', () => {
  test('sgd: u = −lr·g', () => {
    expectClose(
      runLib(sgd(lr)),
      runRef((g) => -lr * g),
      1e-14,
    );
  });

  test('sgd + momentum: m ← g + β·m, u = −lr·m', () => {
    const beta = 0.9;
    const ref = runRef((g, _p, _t, s) => {
      s.m = g + beta * (s.m ?? 0);
      return -lr * s.m;
    });
    expectClose(runLib(sgd(lr, { momentum: beta })), ref, 1e-14);
  });

  test('sgd + Nesterov: m ← g + β·m, u = −lr·(g + β·m)', () => {
    const beta = 0.9;
    const ref = runRef((g, _p, _t, s) => {
      s.m = g + beta * (s.m ?? 0);
      return -lr * (g + beta * s.m);
    });
    expectClose(runLib(sgd(lr, { momentum: beta, nesterov: true })), ref, 1e-14);
  });

  test('rmsprop: ν ← ρ·ν + (1 − ρ)·g², u = −lr·g/√(ν + eps) (eps inside)', () => {
    const [rho, eps] = [0.9, 1e-8];
    const ref = runRef((g, _p, _t, s) => {
      s.nu = rho * (s.nu ?? 0) + (1 - rho) * g * g;
      return (-lr * g) / Math.sqrt(s.nu + eps);
    });
    expectClose(runLib(rmsprop(lr)), ref, 1e-12);
    // A large eps makes the placement visible: inside vs outside the square root differ.
    const bigEps = 0.01;
    const outside = runRef((g, _p, _t, s) => {
      s.nu = rho * (s.nu ?? 0) + (1 - rho) * g * g;
      return (-lr * g) / (Math.sqrt(s.nu) + bigEps);
    });
    expectClose(runLib(rmsprop(lr, { eps: bigEps, epsInSqrt: false })), outside, 1e-12);
    expect(runLib(rmsprop(lr, { eps: bigEps }))[0].w[0]).not.toBeCloseTo(outside[0].w[0], 4);
  });

  test('rmsprop centered: u = −lr·g/√(ν − μ² + eps)', () => {
    const [rho, eps] = [0.9, 1e-8];
    const ref = runRef((g, _p, _t, s) => {
      s.mu = rho * (s.mu ?? 0) + (1 - rho) * g;
      s.nu = rho * (s.nu ?? 0) + (1 - rho) * g * g;
      return (-lr * g) / Math.sqrt(s.nu - s.mu * s.mu + eps);
    });
    expectClose(runLib(rmsprop(lr, { centered: true })), ref, 1e-10);
  });

  test('adagrad: s ← s + g² (s₀ = 0.1), u = −lr·g/√(s + eps), eps = 1e-7', () => {
    const ref = runRef((g, _p, _t, s) => {
      s.acc = (s.acc ?? 0.1) + g * g;
      return (-lr * g) / Math.sqrt(s.acc + 1e-7);
    });
    expectClose(runLib(adagrad(lr)), ref, 1e-12);
  });

  const adamRule =
    (b1: number, b2: number, eps: number, wd = 0) =>
    (g: number, p: number, t: number, s: Record<string, number>) => {
      s.m = b1 * (s.m ?? 0) + (1 - b1) * g;
      s.v = b2 * (s.v ?? 0) + (1 - b2) * g * g;
      const mHat = s.m / (1 - b1 ** t);
      const vHat = s.v / (1 - b2 ** t);
      return -lr * (mHat / (Math.sqrt(vHat) + eps) + wd * p);
    };

  test('adam: bias-corrected moments, u = −lr·m̂/(√v̂ + eps) (eps outside)', () => {
    expectClose(runLib(adam(lr)), runRef(adamRule(0.9, 0.999, 1e-8)), 1e-12);
    expectClose(
      runLib(adam(lr, { b1: 0.5, b2: 0.75, eps: 0.1 })),
      runRef(adamRule(0.5, 0.75, 0.1)),
      1e-12,
    );
    // The first Adam step is ±lr per element (m̂/√v̂ = g/|g|) up to eps.
    runLib(adam(lr))[0].w.forEach((u) => {
      expect(Math.abs(u)).toBeCloseTo(lr, 6);
    });
  });

  test('adamw: u = −lr·(m̂/(√v̂ + eps) + λ·p), decay on the current params', () => {
    const wd = 0.3;
    expectClose(
      runLib(adamw(lr, { weightDecay: wd })),
      runRef(adamRule(0.9, 0.999, 1e-8, wd)),
      1e-12,
    );
    expect(() => adamw(lr).update(toTree(grads[0]), adamw(lr).init(toTree(p0)))).toThrow(
      /needs the params/,
    );
  });
});

describe('state trees', () => {
  const optimizers: [string, GradientTransformation][] = [
    ['sgd', sgd(lr)],
    ['momentum', sgd(lr, { momentum: 0.9 })],
    ['rmsprop', rmsprop(lr, { centered: true, momentum: 0.5 })],
    ['adagrad', adagrad(lr)],
    ['adam', adam(lr)],
    ['adamw', adamw(lr)],
  ];

  test.each(optimizers)(
    '%s: tensors only, same structure, shapes and dtypes at every step',
    (_, opt) => {
      let params = toTree(p0);
      let state = opt.init(params);
      const describeState = (s: unknown) => ({
        structure: tree.structure(s).key,
        types: tree.leaves<Tensor>(s).map((l) => `${l.dtype}[${l.shape}]`),
      });
      const first = describeState(state);
      for (const leaf of tree.leaves(state)) expect(leaf).toHaveProperty('aval');
      for (const g of grads) {
        const [u, s] = opt.update(toTree(g), state, params);
        params = applyUpdates(params, u);
        state = s;
        expect(describeState(state)).toEqual(first);
        expect(params.w.dtype).toBe('float64');
      }
    },
  );

  test('adam counts steps in an int32 scalar', () => {
    const opt = adam(lr);
    let state = opt.init(toTree(p0)); // typed: [AdamState, LrState]
    expect(state[0].count.dtype).toBe('int32');
    for (const g of grads) state = opt.update(toTree(g), state)[1];
    expect(state[0].count.item()).toBe(3);
  });
});
