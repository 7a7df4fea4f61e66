import {
  checkGrads,
  grad,
  InvalidArgumentError,
  jit,
  random,
  ShapeError,
  sum,
  type Tensor,
  tensor,
} from '@loom/core';
import { describe, expect, test } from 'vitest';
import { expectError } from '../../../core/test/expect_error.js';
import { expectClose, f64, type Mat, randMat } from '../../test/reference.js';
import { additiveAttention } from './additive_attention.js';

const [B, S, Dq, Dk, Dv, A] = [2, 4, 3, 5, 2, 6];
const wQuery = randMat(Dq, A, 1);
const wKey = randMat(Dk, A, 2);
const v = randMat(1, A, 3)[0];
const query = randMat(B, Dq, 4);
const keys = [randMat(S, Dk, 5), randMat(S, Dk, 6)];
const values = [randMat(S, Dv, 7), randMat(S, Dv, 8)];
const params = { wQuery: f64(wQuery), wKey: f64(wKey), v: f64(v) };
// Real positions: all four in example 0, the first two in example 1.
const maskRows = [
  [true, true, true, true],
  [true, true, false, false],
];
const mask = tensor(maskRows, { dtype: 'bool' });

/** score(s, h) = vᵀ tanh(W_sᵀ s + W_hᵀ h), softmax over real positions, weighted sum of values. */
function reference(keyRows: Mat[], valueRows: Mat[], real: boolean[][]) {
  const weights: number[][] = [];
  const context: number[][] = [];
  for (let b = 0; b < B; b++) {
    const scores = keyRows[b].map((h) =>
      v.reduce((acc, vk, a) => {
        let pre = 0;
        for (let i = 0; i < Dq; i++) pre += query[b][i] * wQuery[i][a];
        for (let i = 0; i < Dk; i++) pre += h[i] * wKey[i][a];
        return acc + vk * Math.tanh(pre);
      }, 0),
    );
    const exps = scores.map((s, j) => (real[b][j] ? Math.exp(s) : 0));
    const total = exps.reduce((x, y) => x + y, 0);
    const w = exps.map((e) => e / total);
    weights.push(w);
    context.push(
      valueRows[b][0].map((_, d) => w.reduce((acc, wj, j) => acc + wj * valueRows[b][j][d], 0)),
    );
  }
  return { weights, context };
}

describe('additiveAttention', () => {
  test('init shapes and dtype', () => {
    const p = additiveAttention.init(random.key(0), {
      queryFeatures: 3,
      keyFeatures: 5,
      attentionSize: 7,
      dtype: 'float64',
    });
    expect(p.wQuery.shape).toEqual([3, 7]);
    expect(p.wKey.shape).toEqual([5, 7]);
    expect(p.v.shape).toEqual([7]);
    expect(p.v.dtype).toBe('float64');
  });

  test('weights and context match the formula in plain JS, with and without a mask', () => {
    const all = maskRows.map((r) => r.map(() => true));
    const plain = additiveAttention.apply(params, f64(query), f64(keys), { values: f64(values) });
    const want = reference(keys, values, all);
    expectClose(plain.weights, want.weights, 1e-12);
    expectClose(plain.context, want.context, 1e-12);
    const masked = additiveAttention.apply(params, f64(query), f64(keys), {
      values: f64(values),
      mask,
    });
    const wantMasked = reference(keys, values, maskRows);
    expectClose(masked.weights, wantMasked.weights, 1e-12);
    expectClose(masked.context, wantMasked.context, 1e-12);
    // Keys double as values by default.
    expectClose(
      additiveAttention.apply(params, f64(query), f64(keys)).context,
      reference(keys, keys, all).context,
      1e-12,
    );
  });

  test('masked positions get weight 0 and neither their keys nor values matter', () => {
    const changed = keys.map((rows, b) =>
      rows.map((row, j) => (maskRows[b][j] ? row : row.map((x) => x + 100))),
    );
    const changedValues = values.map((rows, b) =>
      rows.map((row, j) => (maskRows[b][j] ? row : row.map(() => 1e6))),
    );
    const a = additiveAttention.apply(params, f64(query), f64(keys), { values: f64(values), mask });
    const b = additiveAttention.apply(params, f64(query), f64(changed), {
      values: f64(changedValues),
      mask,
    });
    const w = a.weights.toArray() as Mat;
    expect(w[1][2]).toBe(0);
    expect(w[1][3]).toBe(0);
    expectClose(b.context, a.context, 1e-12);
    // A float mask (non-zero = real) means the same.
    const floatMask = tensor(maskRows.map((r) => r.map((m) => (m ? 1 : 0))));
    expectClose(
      additiveAttention.apply(params, f64(query), f64(keys), {
        values: f64(values),
        mask: floatMask,
      }).weights,
      w,
      0,
    );
    const g = grad((vals: Tensor) =>
      sum(additiveAttention.apply(params, f64(query), f64(keys), { values: vals, mask }).context),
    )(f64(values));
    const rows = g.toArray() as Mat[];
    expect(rows[1][2]).toEqual([0, 0]);
    expect(rows[1][3]).toEqual([0, 0]);
  });

  test('projectKeys hoisted out of the loop gives the same result', () => {
    const projectedKeys = additiveAttention.projectKeys(params, f64(keys));
    expect(projectedKeys.shape).toEqual([B, S, A]);
    const a = additiveAttention.apply(params, f64(query), f64(keys), { mask });
    const b = additiveAttention.apply(params, f64(query), f64(keys), { mask, projectedKeys });
    expectClose(b.weights, a.weights, 1e-14);
    expectClose(b.context, a.context, 1e-14);
  });

  test('gradients of every parameter and input agree with float64 finite differences', () => {
    const f = (p: typeof params, q: Tensor, k: Tensor, vals: Tensor) => {
      const r = additiveAttention.apply(p, q, k, { values: vals, mask });
      return { context: r.context, weights: r.weights };
    };
    checkGrads(f, [params, f64(query), f64(keys), f64(values)]);
  });

  test('jit gives the eager result (float32)', () => {
    const p32 = { wQuery: tensor(wQuery), wKey: tensor(wKey), v: tensor(v) };
    const run = (p: typeof p32, q: Tensor, k: Tensor, m: Tensor) =>
      additiveAttention.apply(p, q, k, { mask: m });
    const eager = run(p32, tensor(query), tensor(keys), mask);
    const compiled = jit(run)(p32, tensor(query), tensor(keys), mask);
    expectClose(compiled.weights, eager.weights, 1e-5);
    expectClose(compiled.context, eager.context, 1e-5);
  });

  test('bad shapes and configs name the operation and the shapes', () => {
    const q = f64(query);
    const k = f64(keys);
    expectError(
      () => additiveAttention.apply(params, q, f64(query)),
      ShapeError,
      'additiveAttention.apply: keys have shape [2, 3]',
      'wKey [5, 6]',
      '[B, S, 5]',
    );
    expectError(
      () => additiveAttention.apply(params, f64([query[0]]), k),
      ShapeError,
      'query has shape [1, 3]',
      'keys [2, 4, 5]',
      'must be [B, queryFeatures] = [2, 3]',
    );
    expectError(
      () => additiveAttention.apply(params, q, k, { values: f64([values[0]]) }),
      ShapeError,
      'values have shape [1, 4, 2]',
      '[B, S, Dv] = [2, 4, Dv]',
    );
    expectError(
      () => additiveAttention.apply(params, q, k, { mask: tensor([[true, false]]) }),
      ShapeError,
      'mask has shape [1, 2]',
      'must be [B, S] = [2, 4]',
    );
    expectError(
      () => additiveAttention.apply(params, q, k, { projectedKeys: k }),
      ShapeError,
      'projectedKeys have shape [2, 4, 5]',
      'must be [2, 4, 6] (use projectKeys)',
    );
    expectError(
      () => additiveAttention.apply({ ...params, v: f64([1, 2]) }, q, k),
      ShapeError,
      'v has shape [2]',
      'must be [6]',
    );
    expectError(
      () => additiveAttention.projectKeys({ ...params, wQuery: f64(randMat(3, 2, 1)) }, k),
      ShapeError,
      'additiveAttention.projectKeys: wQuery [3, 2] and wKey [5, 6]',
    );
    expectError(
      () =>
        additiveAttention.init(random.key(0), {
          queryFeatures: 3,
          keyFeatures: 0,
          attentionSize: 4,
        }),
      InvalidArgumentError,
      'additiveAttention.init: keyFeatures must be an integer ≥ 1, got 0',
    );
  });
});
