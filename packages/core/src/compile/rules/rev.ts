// SPDX-License-Identifier: MIT
// `rev` is a view too: the same buffer read from the far end of each reversed axis with a
// negated stride, so a reversed read (flip, the reverse cumulative ops) costs no copy. Both
// lowerings walk loop nests by signed strides.
import type { RevParams } from '../../prims/rev.js';
import { viewExpr } from '../expr.js';
import type { LoweringRule } from '../lower.js';
import { type ArrayValue, offsetPlus } from '../values.js';

function reversed(v: ArrayValue, dimensions: readonly number[]): ArrayValue {
  const c = dimensions.reduce((acc, d) => acc + (v.shape[d] - 1) * v.strides[d], 0);
  return {
    ...v,
    off: offsetPlus(v.off, c),
    strides: v.strides.map((s, d) => (dimensions.includes(d) ? -s : s)),
  };
}

export const revRule: LoweringRule = (lo, eqn, [x], steps) => {
  const { dimensions } = eqn.params as RevParams;
  if (x.kind === 'lit') return [x];
  if (x.kind === 'expr') {
    const fused = viewExpr(x, x.shape, (a) => reversed(a, dimensions));
    if (fused) return [fused];
  }
  return [reversed(lo.materialize(x, steps), dimensions)];
};
