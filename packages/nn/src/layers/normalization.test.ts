import { checkGrads, InvalidArgumentError, ShapeError, sum, type Tensor } from '@loom/core';
import { describe, expect, test } from 'vitest';
import { expectClose, f64, randMat } from '../../test/reference.js';
import { layerNorm, rmsNorm } from './normalization.js';

const rows = randMat(3, 5, 7, 3).map((r) => r.map((v, j) => v + j)); // shifted, not centred
const scale = [0.5, 1, 1.5, 2, -1];
const bias = [0.1, 0.2, 0.3, 0.4, 0.5];

describe('layerNorm', () => {
  test('init gives ones and zeros; apply matches a float64 loop', () => {
    const p = layerNorm.init({ features: 5, dtype: 'float64' });
    expect(Array.from(p.scale!.data())).toEqual([1, 1, 1, 1, 1]);
    expect(Array.from(p.bias!.data())).toEqual([0, 0, 0, 0, 0]);
    const eps = 1e-5;
    const want = rows.map((r) => {
      const m = r.reduce((a, b) => a + b, 0) / r.length;
      const v = r.reduce((a, b) => a + (b - m) ** 2, 0) / r.length;
      return r.map((x, j) => ((x - m) / Math.sqrt(v + eps)) * scale[j] + bias[j]);
    });
    const y = layerNorm.apply({ scale: f64(scale), bias: f64(bias) }, f64(rows), { epsilon: eps });
    expectClose(y, want, 1e-12);
    expect(layerNorm.init({ features: 5, bias: false, scale: false })).toEqual({});
  });

  test('gradients agree with finite differences; shape errors name the layer', () => {
    const x = f64(rows);
    checkGrads(
      (s: Tensor, b: Tensor, xx: Tensor) =>
        sum(layerNorm.apply({ scale: s, bias: b }, xx).mul(f64(rows))),
      [f64(scale), f64(bias), x],
    );
    expect(() => layerNorm.apply(layerNorm.init({ features: 4 }), f64(rows))).toThrow(ShapeError);
    expect(() => layerNorm.apply(layerNorm.init({ features: 4 }), f64(rows))).toThrow(
      /layerNorm.apply: x float64\[3, 5\] must end with the 4 features/,
    );
    expect(() => layerNorm.init({ features: 0 })).toThrow(/layerNorm.init: features/);
    expect(() => layerNorm.apply({}, f64(rows), { epsilon: Number.NaN })).toThrow(
      InvalidArgumentError,
    );
  });
});

describe('rmsNorm', () => {
  test('apply matches a float64 loop and has no bias; gradients check', () => {
    const eps = 1e-6;
    const want = rows.map((r) => {
      const ms = r.reduce((a, b) => a + b * b, 0) / r.length;
      return r.map((x, j) => (x / Math.sqrt(ms + eps)) * scale[j]);
    });
    expectClose(rmsNorm.apply({ scale: f64(scale) }, f64(rows)), want, 1e-12);
    expect(Object.keys(rmsNorm.init({ features: 5 }))).toEqual(['scale']);
    checkGrads(
      (s: Tensor, x: Tensor) => sum(rmsNorm.apply({ scale: s }, x).mul(x)),
      [f64(scale), f64(rows)],
    );
  });
});
