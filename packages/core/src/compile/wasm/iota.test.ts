// The WebAssembly lowering of iota (iota.ts): a generated kernel, not a host fallback, bitwise
// equal to the eager primitive for every shape, dimension and numeric dtype.
import { fc, test as property } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';
import { add, iota, jit, scalar, type Tensor } from '../../index.js';

const bytesOf = (t: Tensor) => {
  const d = t.data();
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
};

describe('iota in wasm', () => {
  property.prop(
    [
      fc
        .array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 })
        .chain((shape) => fc.tuple(fc.constant(shape), fc.nat(shape.length - 1))),
      fc.constantFrom('float32', 'float64', 'int32'),
    ],
    { numRuns: 40 },
  )('matches eager iota bitwise', ([shape, dimension], dtype) => {
    // Added to an input so the result is computed by the program, not returned as a constant.
    const f = jit((x: Tensor) => add(iota(shape, dimension, dtype), x), { backend: 'wasm' });
    const zero = scalar(0, dtype);
    const got = f(zero);
    expect(f.lower(zero).source).toMatch(/iota .* along/);
    expect(f.lower(zero).source).not.toContain('fallback');
    expect(bytesOf(got)).toEqual(bytesOf(iota(shape, dimension, dtype)));
  });

  test('a one-hot against the class indices', () => {
    const f = jit(
      (labels: Tensor) =>
        labels
          .reshape([3, 1])
          .eq(iota([1, 4], 1))
          .astype('float32'),
      {
        backend: 'wasm',
      },
    );
    const labels = iota([3], 0).add(1);
    expect(Array.from(f(labels).data())).toEqual([0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
  });
});
