import { random } from '@loom/core';
import { describe, expect, test } from 'vitest';
import { mm } from '../../test/reference.js';
import {
  constant,
  fans,
  glorotNormal,
  glorotUniform,
  heNormal,
  heUniform,
  identity,
  lecunNormal,
  normal,
  ones,
  orthogonal,
  uniform,
  zeros,
} from './index.js';

const stats = (v: ArrayLike<number>) => {
  const a = Array.from(v);
  const mean = a.reduce((s, x) => s + x, 0) / a.length;
  const std = Math.sqrt(a.reduce((s, x) => s + (x - mean) ** 2, 0) / a.length);
  return { mean, std, min: Math.min(...a), max: Math.max(...a) };
};

describe('initializers', () => {
  const key = random.key(0);

  test('fans follow the [in, out] convention', () => {
    expect(fans([3, 5])).toEqual({ fanIn: 3, fanOut: 5 });
    expect(fans([7])).toEqual({ fanIn: 7, fanOut: 7 });
    expect(fans([2, 3, 4, 5])).toEqual({ fanIn: 24, fanOut: 30 });
  });

  test('constants, shapes and dtypes', () => {
    expect(zeros(key, [2, 3]).toArray()).toEqual([
      [0, 0, 0],
      [0, 0, 0],
    ]);
    expect(ones(key, [2], 'float64').dtype).toBe('float64');
    expect(constant(0.5)(key, [2]).toArray()).toEqual([0.5, 0.5]);
    expect(normal(1)(key, [3, 4], 'float64').dtype).toBe('float64');
  });

  test('deterministic in the key', () => {
    expect(glorotUniform(key, [4, 4]).toArray()).toEqual(glorotUniform(key, [4, 4]).toArray());
    expect(glorotUniform(random.key(1), [4, 4]).toArray()).not.toEqual(
      glorotUniform(key, [4, 4]).toArray(),
    );
  });

  test('uniform bounds and variance-scaling statistics', () => {
    const u = stats(uniform({ min: 2, max: 3 })(key, [2000]).data());
    expect(u.min).toBeGreaterThanOrEqual(2);
    expect(u.max).toBeLessThan(3);
    const [fi, fo] = [200, 100];
    const shape = [fi, fo];
    const g = stats(glorotUniform(key, shape).data());
    expect(g.max).toBeLessThanOrEqual(Math.sqrt(6 / (fi + fo)));
    expect(g.std).toBeCloseTo(Math.sqrt(2 / (fi + fo)), 2);
    expect(stats(glorotNormal(key, shape).data()).std).toBeCloseTo(Math.sqrt(2 / (fi + fo)), 2);
    expect(stats(heNormal(key, shape).data()).std).toBeCloseTo(Math.sqrt(2 / fi), 2);
    const he = stats(heUniform(key, shape).data());
    expect(he.max).toBeLessThanOrEqual(Math.sqrt(6 / fi));
    expect(he.std).toBeCloseTo(Math.sqrt(2 / fi), 2);
    expect(stats(lecunNormal(key, shape).data()).std).toBeCloseTo(Math.sqrt(1 / fi), 2);
    expect(stats(normal(0.01)(key, shape).data()).std).toBeCloseTo(0.01, 3);
  });

  test.each([
    [6, 6],
    [8, 3],
    [3, 8],
    [5, 20],
  ])('orthogonal [%i, %i]: orthonormal rows or columns, scaled', (r, c) => {
    const q = orthogonal(2)(key, [r, c], 'float64').toArray() as number[][];
    const qt = q[0].map((_, j) => q.map((row) => row[j]));
    const gram = r >= c ? mm(qt, q) : mm(q, qt);
    gram.forEach((row, i) => {
      row.forEach((v, j) => {
        expect(v).toBeCloseTo(i === j ? 4 : 0, 10);
      });
    });
  });

  test('orthogonal needs rank ≥ 2; identity is scaled eye', () => {
    expect(() => orthogonal()(key, [3])).toThrow(/rank ≥ 2/);
    expect(identity(0.5)(key, [2, 3]).toArray()).toEqual([
      [0.5, 0, 0],
      [0, 0.5, 0],
    ]);
    expect(() => identity()(key, [2, 2, 2])).toThrow(/2-D shape/);
  });
});
