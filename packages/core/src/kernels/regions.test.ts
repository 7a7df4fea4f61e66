import { describe, expect, test } from 'vitest';
import { reverse, updateRegion } from './regions.js';

describe('region kernels', () => {
  test('reverse walks the listed axes backwards (hand-written 2×3 case)', () => {
    const x = new Float64Array([0, 1, 2, 3, 4, 5]);
    expect(Array.from(reverse(x, [2, 3], [1], 'float64'))).toEqual([2, 1, 0, 5, 4, 3]);
    expect(Array.from(reverse(x, [2, 3], [0], 'float64'))).toEqual([3, 4, 5, 0, 1, 2]);
    expect(Array.from(reverse(x, [2, 3], [0, 1], 'float64'))).toEqual([5, 4, 3, 2, 1, 0]);
    expect(Array.from(reverse(new Int32Array([7]), [], [], 'int32'))).toEqual([7]);
  });

  test('updateRegion copies x and overwrites only the window', () => {
    const x = new Float32Array(12).fill(1);
    const out = updateRegion(x, [3, 4], new Float32Array([5, 6, 7, 8]), [2, 2], [1, 2], 'float32');
    expect(Array.from(out)).toEqual([1, 1, 1, 1, 1, 1, 5, 6, 1, 1, 7, 8]);
    expect(Array.from(x)).toEqual(new Array(12).fill(1));
  });
});
