// SPDX-License-Identifier: MIT
// Layout primitives that only change how a buffer is read: new strides and offset, no code.
import type { BroadcastInDimParams } from '../../prims/broadcast_in_dim.js';
import type { ReshapeParams } from '../../prims/reshape.js';
import type { SliceParams } from '../../prims/slice.js';
import type { TransposeParams } from '../../prims/transpose.js';
import { stridesOf } from '../../tensor/shape.js';
import { viewExpr } from '../expr.js';
import type { LoweringRule } from '../lower.js';
import { type ArrayValue, isContiguous, stridedRegion, type Value } from '../values.js';

/** Applies `view` to arrays; literals are the same constant in any shape. */
function viewRule(
  view: (v: ArrayValue, outShape: readonly number[], params: never) => ArrayValue | null,
): LoweringRule {
  return (lo, eqn, [x], steps) => {
    const outShape = eqn.outBinders[0].aval.shape;
    if (x.kind === 'lit') return [{ ...x, shape: outShape }];
    if (x.kind === 'expr') {
      const fused = viewExpr(x, outShape, (a) => view(a, outShape, eqn.params as never));
      if (fused) return [fused];
    }
    const arr: ArrayValue = lo.materialize(x, steps);
    const v = view(arr, outShape, eqn.params as never);
    if (v) return [v];
    // Not expressible as strides over the same buffer: read it contiguously first.
    return [view(lo.contiguous(arr, steps), outShape, eqn.params as never)!];
  };
}

function withLayout(
  v: ArrayValue,
  shape: readonly number[],
  strides: readonly number[],
): ArrayValue {
  return { ...v, shape, strides };
}

const reshape = viewRule((v, shape: readonly number[], _p: ReshapeParams) => {
  if (isContiguous(v)) return withLayout(v, shape, stridesOf(shape));
  // Adding or dropping size-1 axes keeps the strides of the others.
  const kept = v.shape.map((n, d) => [n, v.strides[d]]).filter(([n]) => n !== 1);
  const outKept = shape.filter((n) => n !== 1);
  if (kept.length !== outKept.length || kept.some(([n], i) => n !== outKept[i])) return null;
  let k = 0;
  return withLayout(
    v,
    shape,
    shape.map((n) => (n === 1 ? 0 : kept[k++][1])),
  );
});

const transpose = viewRule((v, shape, { permutation }: TransposeParams) =>
  withLayout(
    v,
    shape,
    permutation.map((p) => v.strides[p]),
  ),
);

const broadcastInDim = viewRule((v, shape, { broadcastDimensions }: BroadcastInDimParams) => {
  const strides = shape.map(() => 0);
  broadcastDimensions.forEach((d, i) => {
    strides[d] = v.shape[i] === 1 && shape[d] !== 1 ? 0 : v.strides[i];
  });
  return withLayout(v, shape, strides);
});

const slice = viewRule((v, shape, { starts, steps }: SliceParams) =>
  stridedRegion(v, shape, starts, steps),
);

const identity: LoweringRule = (_lo, _eqn, [x]: Value[]) => [x];

export const viewRules: [string, LoweringRule][] = [
  ['reshape', reshape],
  ['transpose', transpose],
  ['broadcast_in_dim', broadcastInDim],
  ['slice', slice],
  ['stop_gradient', identity],
];
