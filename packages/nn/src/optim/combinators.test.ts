import { fc, test as ftest } from '@fast-check/vitest';
import { type Tensor, TreeStructureError, tensor, tree } from '@loom/core';
import { describe, expect, test } from 'vitest';
import { expectClose, f64 } from '../../test/reference.js';
import { adam, sgd } from './alias.js';
import { chain, type GradientTransformation } from './base.js';
import { clipByGlobalNorm, clipByValue, globalNorm } from './clip.js';
import { masked } from './masked.js';
import { multiSteps } from './multi_steps.js';
import { exponentialDecay } from './schedule.js';
import { addDecayedWeights, scale, scaleByLearningRate, setToZero, trace } from './transform.js';

const vals = (t: unknown) => tree.leaves<Tensor>(t).map((l) => Array.from(l.data()));
const norm = (xs: number[][]) => Math.sqrt(xs.flat().reduce((s, v) => s + v * v, 0));

describe('clipping', () => {
  ftest.prop([
    fc.array(
      fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 1, maxLength: 6 }),
      {
        minLength: 1,
        maxLength: 4,
      },
    ),
    fc.double({ min: 1e-3, max: 100, noNaN: true }),
  ])(
    'clipByGlobalNorm never exceeds the bound, keeps direction, leaves small trees alone',
    (leaves, maxNorm) => {
      const g = leaves.map((l) => f64(l));
      const [u] = clipByGlobalNorm(maxNorm).update(g, {});
      const before = norm(leaves);
      const after = norm(vals(u));
      expect(after).toBeLessThanOrEqual(maxNorm * (1 + 1e-12));
      if (before <= maxNorm) expectClose(u, leaves, 0);
      else {
        expect(after).toBeCloseTo(maxNorm, 8);
        // Same direction: every element scaled by the same factor.
        const factor = maxNorm / before;
        expectClose(
          u,
          leaves.map((l) => l.map((v) => v * factor)),
          1e-12,
        );
      }
    },
  );

  test('globalNorm over a tree, and float32 leaves keep their dtype', () => {
    expectClose(globalNorm({ a: f64([3]), b: [f64([4])] }), 5, 1e-15);
    const [u] = clipByGlobalNorm(1).update({ a: tensor([3, 4]) }, {});
    expect(u.a.dtype).toBe('float32');
    expectClose(u.a, [0.6, 0.8], 1e-6);
    expect(() => clipByGlobalNorm(0)).toThrow(/maxNorm must be positive/);
  });

  test('clipByValue clips elementwise', () => {
    const [u] = clipByValue(-1, 0.5).update({ w: f64([-3, 0.2, 0.7]) }, {});
    expectClose(u.w, [-1, 0.2, 0.5], 0);
    expect(() => clipByValue(1, 0)).toThrow(/must not exceed/);
  });
});

describe('chain', () => {
  const g = { w: f64([3, 4]) }; // norm 5

  test('order matters: clip then scale ≠ scale then clip', () => {
    const clipThenScale = chain(clipByGlobalNorm(1), scale(10));
    const scaleThenClip = chain(scale(10), clipByGlobalNorm(1));
    const [a] = clipThenScale.update(g, clipThenScale.init(g));
    const [b] = scaleThenClip.update(g, scaleThenClip.init(g));
    expectClose(a.w, [6, 8], 1e-12); // clipped to norm 1, then ×10
    expectClose(b.w, [0.6, 0.8], 1e-12); // ×10 (norm 50), then clipped to norm 1
  });

  test('state is the tuple of inner states; a wrong state count is a clear error', () => {
    const opt = chain(trace({ decay: 0.5 }), scaleByLearningRate(0.1));
    const state = opt.init(g);
    expect(Array.isArray(state)).toBe(true);
    expect(state).toHaveLength(2);
    expect(() => opt.update(g, [state[0]] as unknown as typeof state)).toThrow(
      /state must be an array with one entry per transformation \(2\), got an array of 1/,
    );
    const other = adam(0.1).init(g);
    expect(() => chain(scale(1), scale(2), scale(3)).update(g, other as never)).toThrow(
      /\(3\), got an array of 2/,
    );
  });

  test('a learning-rate schedule is evaluated on the count (0 on the first step)', () => {
    const sched = exponentialDecay({ initValue: 1, transitionSteps: 1, decayRate: 0.5 });
    const opt = sgd(sched);
    let state = opt.init(g);
    const seen: number[] = [];
    for (let i = 0; i < 3; i++) {
      const [u, s] = opt.update({ w: f64([1, 0]) }, state);
      seen.push(u.w.data()[0]);
      state = s;
    }
    expectClose(seen, [-1, -0.5, -0.25], 1e-12);
  });
});

describe('multiSteps', () => {
  const grads = [1, 2, 3, 4, 5, 6, 7].map((v) => ({ w: f64([v, -v]) }));

  test('emits the inner update every k-th step, on the mean gradient, zeros otherwise', () => {
    const k = 3;
    const opt = multiSteps(sgd(0.1, { momentum: 0.5 }), k);
    let state = opt.init(grads[0]);
    const out: number[] = [];
    for (const g of grads) {
      const [u, s] = opt.update(g, state);
      out.push(u.w.data()[0]);
      state = s;
    }
    // Means of (1,2,3) = 2 and (4,5,6) = 5; momentum: m1 = 2, m2 = 5 + 0.5·2 = 6.
    expectClose(out, [0, 0, -0.2, 0, 0, -0.6, 0], 1e-12);
    expect(state.miniStep.item()).toBe(1);
    expect(state.gradientStep.item()).toBe(2);
    expectClose(state.accGrads, { w: [7, -7] }, 1e-12);
  });

  test('k = 1 is the inner optimizer', () => {
    const inner = adam(0.01);
    const wrapped = multiSteps(inner, 1);
    let si = inner.init(grads[0]);
    let sw = wrapped.init(grads[0]);
    for (const g of grads.slice(0, 3)) {
      const [ui, nsi] = inner.update(g, si);
      const [uw, nsw] = wrapped.update(g, sw);
      expectClose(uw.w, vals(ui)[0], 1e-14);
      si = nsi;
      sw = nsw;
    }
  });

  test('state structure is stable', () => {
    const opt = multiSteps(adam(0.1), 2);
    let state = opt.init(grads[0]);
    const key = tree.structure(state).key;
    for (const g of grads.slice(0, 3)) {
      state = opt.update(g, state)[1];
      expect(tree.structure(state).key).toBe(key);
    }
    expect(() => multiSteps(adam(0.1), 0)).toThrow(/everyK must be a positive integer/);
  });
});

describe('masked (as optax: masked-out updates pass through)', () => {
  const params = { embed: { table: f64([1, 2]) }, out: { w: f64([3]), b: f64([4]) } };
  const g = { embed: { table: f64([1, 1]) }, out: { w: f64([1]), b: f64([1]) } };

  test('masked-out leaves keep their incoming updates; the rest follow the inner optimizer', () => {
    const opt = masked(adam(0.1), { embed: false, out: { w: true, b: true } });
    let state = opt.init(params);
    for (let i = 0; i < 3; i++) {
      const [u, s] = opt.update(g, state, params);
      expectClose(u.embed.table, [1, 1], 0);
      state = s;
    }
    // The same three Adam steps as the unmasked optimizer on the masked-in part alone.
    const plain = adam(0.1);
    let ss = plain.init({ b: params.out.b, w: params.out.w });
    for (let i = 0; i < 3; i++) ss = plain.update({ b: g.out.b, w: g.out.w }, ss)[1];
    expectClose(opt.update(g, state, params)[0].out, plainStep(plain, ss, g), 1e-14);
    // No optimizer memory for masked-out leaves: they are null in the inner state.
    expect(tree.leaves(state).length).toBe(1 + 2 * 2);
  });

  test('weight decay on the weights only still trains the biases (optax semantics)', () => {
    const opt = chain(
      masked(addDecayedWeights(0.5), { embed: false, out: { w: true, b: false } }),
      sgd(1),
    );
    const [u] = opt.update(g, opt.init(params), params);
    // w: −(1 + 0.5·3); b and the table: the plain SGD step −1.
    expectClose(u, { embed: { table: [-1, -1] }, out: { b: [-1], w: [-2.5] } }, 0);
  });

  test('a mask function and a full boolean tree work too; bad masks are named', () => {
    const fn = masked(scale(2), () => ({ embed: { table: true }, out: { w: false, b: true } }));
    const [u] = fn.update(g, fn.init(params), params);
    expectClose(u, { embed: { table: [2, 2] }, out: { b: [2], w: [1] } }, 0);
    const none = masked(sgd(1), false);
    expectClose(none.update(g, none.init(params))[0], g, 0);
    expect(() => masked(sgd(1), { embed: true }).init(params)).toThrow(TreeStructureError);
    expect(() => masked(sgd(1), { embed: true }).init(params)).toThrow(
      /masked: the mask at <root> has keys \[embed\] but the params have \[embed, out\]/,
    );
  });

  test('setToZero freezes everything it is applied to', () => {
    const [u] = setToZero().update(g, {});
    expectClose(u, { embed: { table: [0, 0] }, out: { b: [0], w: [0] } }, 0);
  });
});

/** The next update of `opt` from state `s` on the `out` part of `g`. */
function plainStep(
  opt: GradientTransformation<unknown>,
  s: unknown,
  g: { out: { w: Tensor; b: Tensor } },
) {
  return opt.update({ b: g.out.b, w: g.out.w }, s)[0];
}

test('every optimizer is a value: the same inputs give the same outputs (no hidden state)', () => {
  const opt: GradientTransformation = adam(0.1);
  const p = { w: f64([1, 2]) };
  const s = opt.init(p);
  const a = opt.update({ w: f64([0.5, -0.5]) }, s, p);
  const b = opt.update({ w: f64([0.5, -0.5]) }, s, p);
  expect(vals(a)).toEqual(vals(b));
});
