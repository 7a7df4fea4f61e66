// Reductions in wasm (kernels.ts): a float sum over a contiguous kept axis runs several outputs
// at once; each output must still be the f64 sum in the JavaScript lowering's order, bit for bit.
import { describe, expect, test } from 'vitest';
import { jit, random, type Tensor } from '../../index.js';

const bits = (t: Tensor) => Array.from(new Uint8Array(t.data().buffer));

describe('wasm sums', () => {
  test.each(['float32', 'float64'] as const)(
    '%s sums over leading and middle axes equal the JavaScript lowering bitwise',
    (dtype) => {
      // Kept sizes around the group of 8: none, a remainder only, groups and remainders.
      for (const kept of [1, 3, 8, 13, 21]) {
        const x = random.normal(random.key(kept), [7, 5, kept]).mul(1e3).astype(dtype);
        for (const axes of [[0], [0, 1], [1]]) {
          const f = (a: Tensor) => a.sum(axes);
          const want = jit(f, { backend: 'js' })(x);
          const got = jit(f, { backend: 'wasm' })(x);
          expect(got.shape).toEqual(want.shape);
          expect(bits(got), `kept ${kept}, axes ${axes}`).toEqual(bits(want));
        }
      }
    },
  );
});
