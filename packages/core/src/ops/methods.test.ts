import { describe, expect, test } from 'vitest';
import { tensor } from '../tensor/create.js';

// The fluent methods are thin calls of the free functions; these check that each one is wired to
// the right function, against values computed by hand.
describe('fluent methods of the newer operations', () => {
  const x = tensor([-2.5, -0.5, 0.5, 1.5, 2.5], { dtype: 'float64' });

  test('rounding: floor, ceil, trunc, and round half to even', () => {
    expect(x.floor().toArray()).toEqual([-3, -1, 0, 1, 2]);
    expect(x.ceil().toArray()).toEqual([-2, -0, 1, 2, 3]);
    expect(x.trunc().toArray()).toEqual([-2, -0, 0, 1, 2]);
    expect(x.round().toArray()).toEqual([-2, -0, 0, 2, 2]);
  });

  test('statistics: variance and std with ddof; clip, cumsum, cumprod, repeat', () => {
    const m = (-2.5 - 0.5 + 0.5 + 1.5 + 2.5) / 5;
    const ss = [-2.5, -0.5, 0.5, 1.5, 2.5].reduce((a, v) => a + (v - m) ** 2, 0);
    expect(x.variance().item()).toBeCloseTo(ss / 5, 14);
    expect(x.std(undefined, { ddof: 1 }).item()).toBeCloseTo(Math.sqrt(ss / 4), 14);
    expect(x.clip({ min: -1, max: 1 }).toArray()).toEqual([-1, -0.5, 0.5, 1, 1]);
    expect(x.cumsum().toArray()).toEqual([-2.5, -3, -2.5, -1, 1.5]);
    expect(tensor([1, 2, 3]).cumprod().toArray()).toEqual([1, 2, 6]);
    expect(tensor([1, 2]).repeat(2).toArray()).toEqual([1, 1, 2, 2]);
  });
});
