import {
  InvalidArgumentError,
  jit,
  scalar,
  type Tensor,
  TreeStructureError,
  tree,
} from '@loom/core';
import { describe, expect, test } from 'vitest';
import { expectClose, f64 } from '../../test/reference.js';
import { adam, adamw, sgd } from './alias.js';
import { amsgrad } from './amsgrad.js';
import { applyUpdates } from './base.js';
import { injectHyperparams } from './inject_hyperparams.js';
import { multiTransform } from './multi_transform.js';
import { exponentialDecay, linearSchedule } from './schedule.js';
import { joinSchedules, piecewiseConstantSchedule } from './schedule_combinators.js';
import { setToZero } from './transform.js';

const gradsAt = (i: number) => [0.5 - 0.3 * i, 2 * Math.sin(i + 1), -1e-3 * (i + 1)];

describe('amsgrad', () => {
  test('matches a float64 loop of the optax rule, and the step size never grows', () => {
    const lr = 0.05;
    const [b1, b2, eps] = [0.9, 0.99, 1e-8];
    const opt = amsgrad(lr, { b1, b2 });
    let p = { w: f64([1, -1, 3]) };
    let s = opt.init(p);
    const m = [0, 0, 0];
    const v = [0, 0, 0];
    const vMax = [0, 0, 0];
    const ref = [1, -1, 3];
    for (let t = 1; t <= 12; t++) {
      const g = gradsAt(t);
      const [u, next] = opt.update({ w: f64(g) }, s);
      for (let j = 0; j < 3; j++) {
        m[j] = b1 * m[j] + (1 - b1) * g[j];
        v[j] = b2 * v[j] + (1 - b2) * g[j] * g[j];
        vMax[j] = Math.max(vMax[j], v[j] / (1 - b2 ** t));
        ref[j] -= (lr * (m[j] / (1 - b1 ** t))) / (Math.sqrt(vMax[j]) + eps);
      }
      p = applyUpdates(p, u);
      s = next;
    }
    expectClose(p.w, ref, 1e-13);
    expectClose((s[0].nuMax as { w: Tensor }).w, vMax, 1e-15);
  });

  test('bad options name amsgrad', () => {
    expect(() => amsgrad(0.1, { b1: 1.5 })).toThrow(/amsgrad: .*b1/);
    expect(() => amsgrad(-1)).toThrow(InvalidArgumentError);
  });
});

describe('multiTransform', () => {
  const params = { embed: f64([1, 2]), lstm: { w: f64([3]), b: f64([4]) } };
  const g = { embed: f64([1, 1]), lstm: { w: f64([1]), b: f64([2]) } };

  test('each label gets its own transformation; frozen leaves stay put; states cover only their leaves', () => {
    const opt = multiTransform(
      { train: sgd(0.5), frozen: setToZero(), fast: sgd(2) },
      { embed: 'frozen', lstm: { w: 'train', b: 'fast' } },
    );
    const state = opt.init(params);
    const [u] = opt.update(g, state, params);
    expectClose(u, { embed: [0, 0], lstm: { b: [-4], w: [-0.5] } }, 0);
    expect(Object.keys(state.innerStates).sort()).toEqual(['fast', 'frozen', 'train']);
  });

  test('equals running each optimizer alone on its part (Adam on a subtree)', () => {
    const opt = multiTransform({ a: adam(0.1), z: setToZero() }, (p) => {
      const t = p as typeof params;
      return { embed: 'z', lstm: tree.map(() => 'a', t.lstm) as { w: string; b: string } };
    });
    let s = opt.init(params);
    let p = params;
    const alone = adam(0.1);
    let sa = alone.init(params.lstm);
    let pa = params.lstm;
    for (let i = 0; i < 4; i++) {
      const [u, next] = opt.update(g, s, p);
      p = applyUpdates(p, u);
      s = next;
      const [ua, nexta] = alone.update(g.lstm, sa);
      pa = applyUpdates(pa, ua);
      sa = nexta;
    }
    expectClose(p.lstm, vals(pa), 0);
    expectClose(p.embed, [1, 2], 0);
  });

  test('unknown labels and mismatched label trees are named', () => {
    const opt = multiTransform({ train: sgd(1) }, { embed: 'frozen', lstm: 'train' });
    expect(() => opt.init(params)).toThrow(
      /multiTransform: the labels "frozen" have no transformation; known labels: "train"/,
    );
    expect(() => multiTransform({ train: sgd(1) }, { embed: 'train' }).init(params)).toThrow(
      TreeStructureError,
    );
    expect(() => multiTransform({}, 'x')).toThrow(/at least one transformation/);
  });
});

const vals = (t: unknown) => tree.map((l: Tensor) => Array.from(l.data()), t);

describe('adamw mask', () => {
  test('decays only the masked-in leaves; the others get plain Adam', () => {
    const params = { w: f64([2]), b: f64([3]) };
    const grads = { w: f64([0.1]), b: f64([0.1]) };
    const withMask = adamw(0.1, { weightDecay: 0.5, mask: { w: true, b: false } });
    const [u] = withMask.update(grads, withMask.init(params), params);
    const [plain] = adam(0.1).update(grads, adam(0.1).init(params));
    const adamStep = plain.b.item();
    expectClose(u.b, [adamStep], 1e-15);
    // w: −lr·(adam direction + λ·p), adam direction = −adamStep / lr.
    expectClose(u.w, [adamStep - 0.1 * 0.5 * 2], 1e-15);
  });
});

describe('schedules', () => {
  test('piecewiseConstantSchedule multiplies at each boundary, in order of the boundaries', () => {
    const s = piecewiseConstantSchedule(0.1, { 20: 0.5, 10: 0.1 });
    const expected = (t: number) => (t < 10 ? 0.1 : t < 20 ? 0.1 * 0.1 : 0.1 * 0.1 * 0.5);
    for (const t of [0, 9, 10, 11, 19, 20, 100]) {
      expect(s(t)).toBeCloseTo(expected(t), 15);
      expect(s(scalar(t, 'int32')).item()).toBeCloseTo(expected(t), 15);
    }
    expect(() => piecewiseConstantSchedule(0.1, { [-1]: 0.5 })).toThrow(
      /piecewiseConstantSchedule: boundary "-1" must be a non-negative integer/,
    );
  });

  test('joinSchedules runs each schedule from its boundary on, on the count since its start', () => {
    const warm = linearSchedule(0, 1, 5);
    const decay = exponentialDecay({ initValue: 1, transitionSteps: 10, decayRate: 0.5 });
    const s = joinSchedules([warm, decay], [5]);
    for (const t of [0, 2, 4, 5, 6, 30]) {
      const want = t < 5 ? t / 5 : 0.5 ** ((t - 5) / 10);
      expect(s(t)).toBeCloseTo(want, 14);
    }
    expect(() => joinSchedules([warm, decay], [])).toThrow(
      /joinSchedules: 2 schedules need 1 boundaries, got 0/,
    );
    expect(() => joinSchedules([warm, decay, warm], [5, 5])).toThrow(/increasing/);
  });
});

describe('injectHyperparams', () => {
  const loss = (p: { w: Tensor }) => p.w.mul(p.w).sum();
  const params = { w: f64([1, -2]) };

  test('equals the plain optimizer, and a changed learning rate takes effect under jit without retracing', () => {
    const opt = injectHyperparams(adam)(0.1);
    let traces = 0;
    const step = jit((p: { w: Tensor }, s: ReturnType<typeof opt.init>) => {
      traces++;
      const g = { w: p.w.mul(2) };
      const [u, next] = opt.update(g, s, p);
      return [applyUpdates(p, u), next] as const;
    });
    let [p, s] = [params, opt.init(params)];
    expect(s.hyperparams.learningRate.item()).toBe(0.1);
    const plain = adam(0.1);
    let [pp, ps] = [params, plain.init(params)];
    for (let i = 0; i < 3; i++) {
      [p, s] = step(p, s);
      const [u, next] = plain.update({ w: pp.w.mul(2) }, ps, pp);
      [pp, ps] = [applyUpdates(pp, u), next];
    }
    expectClose(p.w, vals(pp.w) as number[], 1e-12);
    // Lower the rate in the state: the next step is 10× smaller than the plain optimizer's.
    s = { ...s, hyperparams: { learningRate: scalar(0.01, 'float64') } };
    const [p2] = step(p, s);
    const [u] = plain.update({ w: pp.w.mul(2) }, ps, pp);
    const moved = p2.w.sub(p.w);
    expectClose(
      moved,
      (vals(u.w) as number[]).map((x) => x / 10),
      1e-12,
    );
    expect(traces).toBe(1);
    expect(loss(p2).item()).toBeLessThan(loss(params).item());
  });

  test('a schedule is evaluated on the count and stored in the state', () => {
    const opt = injectHyperparams(sgd)(linearSchedule(1, 0, 4));
    let s = opt.init(params);
    const seen: number[] = [];
    for (let i = 0; i < 3; i++) {
      s = opt.update({ w: f64([1, 1]) }, s)[1];
      seen.push(s.hyperparams.learningRate.item());
    }
    expect(seen).toEqual([1, 0.75, 0.5]);
  });

  test('a learning rate that is not a float scalar tensor is named', () => {
    const opt = injectHyperparams(sgd)(0.1);
    const s = opt.init(params);
    const bad = { ...s, hyperparams: { learningRate: f64([0.1, 0.2]) } };
    expect(() => opt.update({ w: f64([1, 1]) }, bad)).toThrow(
      /injectHyperparams: state.hyperparams.learningRate must be a float scalar tensor .*got a float64\[2\] tensor/,
    );
  });
});
