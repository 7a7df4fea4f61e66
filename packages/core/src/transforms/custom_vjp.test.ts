// The batching rule of custom_lin, reached when a linear program holding it is batched before
// it is transposed (as higher-order primitives may do with their bodies).
import { describe, expect, test } from 'vitest';
import { tensor } from '../tensor/create.js';
import type { Tensor } from '../tensor/tensor.js';
import { UndefPrimal } from '../trace/primitive.js';
import { customVjp } from './custom_vjp.js';
import { linearizeFlat } from './linearize.js';
import { transposeJaxpr } from './transpose.js';
import { vmapJaxpr } from './vmap.js';

describe('custom_lin under vmap', () => {
  test('a batched linear program transposes to the per-example bwd results', () => {
    // f(x) = x·a with bwd g ↦ g·a·10 (deliberately not the true derivative, so the rule shows).
    const a = tensor([2, -3], { dtype: 'float64' });
    const f = customVjp(
      (x: Tensor) => x.mul(a),
      (x: Tensor) => [x.mul(a), a] as const,
      (r: Tensor, g: Tensor) => [g.mul(r).mul(10)],
    );
    const x = tensor([0.5, 4], { dtype: 'float64' });
    const lin = linearizeFlat((v) => [f(v)], [x]);
    expect(lin.jaxpr.jaxpr.eqns.map((e) => e.prim.name)).toContain('custom_lin');
    const numConsts = lin.jaxpr.consts.length;
    const batched = vmapJaxpr(
      lin.jaxpr.jaxpr,
      3,
      lin.jaxpr.jaxpr.inBinders.map((_, i) => i >= numConsts),
      lin.jaxpr.jaxpr.outs.map(() => true),
    );
    expect(batched.jaxpr.jaxpr.eqns.map((e) => e.prim.name)).toContain('custom_lin');
    const cts = tensor(
      [
        [1, 0],
        [0, 1],
        [0.5, -2],
      ],
      { dtype: 'float64' },
    );
    const [xCt] = transposeJaxpr(
      batched.jaxpr.jaxpr,
      [
        ...batched.jaxpr.consts,
        ...lin.jaxpr.consts,
        new UndefPrimal(batched.jaxpr.jaxpr.inAvals[batched.jaxpr.consts.length + numConsts]),
      ],
      [cts],
    );
    const expected = [
      [20, 0],
      [0, -30],
      [10, 60],
    ].flat();
    expect(Array.from(xCt!.data(), (v) => v + 0)).toEqual(expected);
  });
});
