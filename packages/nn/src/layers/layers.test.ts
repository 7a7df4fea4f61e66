import { checkGrads, DtypeError, grad, random, sum, type Tensor, tensor } from '@loom/core';
import { describe, expect, test } from 'vitest';
import { addRow, expectClose, f64, mm, randMat } from '../../test/reference.js';
import { constant } from '../init/basic.js';
import { activation, relu, sigmoid, softmax, tanh } from './activations.js';
import { dropout } from './dropout.js';
import { embedding } from './embedding.js';
import { linear } from './linear.js';

describe('linear', () => {
  test('init shapes and options', () => {
    const p = linear.init(random.key(0), { inFeatures: 3, outFeatures: 2 });
    expect(p.w.shape).toEqual([3, 2]);
    expect(p.b?.shape).toEqual([2]);
    expect(Array.from(p.b!.data())).toEqual([0, 0]);
    const limit = Math.sqrt(6 / 5);
    for (const v of p.w.data()) expect(Math.abs(v)).toBeLessThanOrEqual(limit);
    const nb = linear.init(random.key(0), {
      inFeatures: 3,
      outFeatures: 2,
      bias: false,
      dtype: 'float64',
    });
    expect(nb.b).toBeUndefined();
    expect(nb.w.dtype).toBe('float64');
    const c = linear.init(random.key(0), {
      inFeatures: 1,
      outFeatures: 1,
      init: constant(2),
      biasInit: constant(3),
    });
    expect(c.w.item()).toBe(2);
    expect(c.b!.item()).toBe(3);
  });

  test('apply = x·w + b against plain JS, with extra leading axes; checkGrads', () => {
    const w = randMat(3, 2, 1);
    const b = [0.5, -1];
    const x = randMat(4, 3, 2);
    const params = { w: f64(w), b: f64(b) };
    expectClose(linear.apply(params, f64(x)), addRow(mm(x, w), b), 1e-12);
    expect(linear.apply(params, f64([x, x])).shape).toEqual([2, 4, 2]);
    expectClose(linear.apply({ w: f64(w) }, f64(x)), mm(x, w), 1e-12);
    checkGrads((p: typeof params, xx: Tensor) => linear.apply(p, xx), [params, f64(x)]);
  });
});

describe('embedding', () => {
  const table = randMat(5, 3, 3);
  const ids = tensor(
    [
      [0, 4],
      [4, 2],
    ],
    { dtype: 'int32' },
  );

  test('apply picks rows; shapes [..., features]', () => {
    const out = embedding.apply({ table: f64(table) }, ids);
    expect(out.shape).toEqual([2, 2, 3]);
    expectClose(
      out,
      [
        [table[0], table[4]],
        [table[4], table[2]],
      ],
      0,
    );
    const p = embedding.init(random.key(1), { numEmbeddings: 10, features: 4 });
    expect(p.table.shape).toEqual([10, 4]);
  });

  test('gradient scatter-adds repeated ids; checkGrads', () => {
    const g = grad((p: { table: Tensor }) => sum(embedding.apply(p, ids)))({ table: f64(table) });
    expectClose(
      g.table,
      [
        [1, 1, 1],
        [0, 0, 0],
        [1, 1, 1],
        [0, 0, 0],
        [2, 2, 2],
      ],
      0,
    );
    checkGrads((p: { table: Tensor }) => embedding.apply(p, ids).square(), [{ table: f64(table) }]);
  });

  test('rejects float ids', () => {
    expect(() => embedding.apply({ table: f64(table) }, f64([0, 1]))).toThrow(DtypeError);
  });
});

describe('dropout', () => {
  const x = tensor(new Float64Array(4000).fill(1), { shape: [40, 100] });

  test('identity at evaluation and for rate 0; zeros for rate 1', () => {
    expect(dropout(random.key(0), x, 0.5, { training: false })).toBe(x);
    expect(dropout(random.key(0), x, 0, { training: true })).toBe(x);
    expect(sum(dropout(random.key(0), x, 1, { training: true })).item()).toBe(0);
    expect(() => dropout(random.key(0), x, 1.5, { training: true })).toThrow(
      /rate must be in \[0, 1\]/,
    );
  });

  test('inverted: survivors are scaled by 1/(1 − rate), the mean is kept, the key decides', () => {
    const y = dropout(random.key(1), x, 0.25, { training: true });
    const values = Array.from(y.data());
    for (const v of values) expect([0, 1 / 0.75]).toContainEqual(v);
    const kept = values.filter((v) => v !== 0).length / values.length;
    expect(kept).toBeGreaterThan(0.72);
    expect(kept).toBeLessThan(0.78);
    expect(Array.from(dropout(random.key(1), x, 0.25, { training: true }).data())).toEqual(values);
    expect(Array.from(dropout(random.key(2), x, 0.25, { training: true }).data())).not.toEqual(
      values,
    );
  });

  test('checkGrads (float64) with a fixed key', () => {
    checkGrads(
      (v: Tensor) => dropout(random.key(3), v, 0.5, { training: true }),
      [f64(randMat(3, 4, 4))],
    );
  });
});

test('activations are core re-exports and `activation` resolves names', () => {
  const v = f64([-1, 0.5]);
  expectClose(activation('tanh')(v), tanh(v).toArray(), 0);
  expectClose(activation('sigmoid')(v), sigmoid(v).toArray(), 0);
  expectClose(activation('relu')(v), relu(v).toArray(), 0);
  expectClose(sum(softmax(v)), 1, 1e-12);
  expect(() => activation('gelu' as 'tanh')).toThrow(/unknown activation "gelu"/);
});
