// SPDX-License-Identifier: MIT
// Primitives that assemble an array from pieces: `pad` (the transpose of slice, e.g. gate
// gradients of an LSTM placed back into the fused gate matrix) and `concatenate`. Both become a
// fill and copies into views of the result, computed straight into it: no eager call, no
// allocation per step.
import type { ConcatenateParams } from '../../prims/concatenate.js';
import type { PadParams } from '../../prims/pad.js';
import { copyInto } from '../array_kernels.js';
import type { LoweringRule } from '../lower.js';
import { stridedRegion, type Value } from '../values.js';

const padRule: LoweringRule = (lo, eqn, [x], steps) => {
  const { starts, steps: step } = eqn.params as PadParams;
  const aval = eqn.outBinders[0].aval;
  const out = lo.temp(aval.dtype, aval.shape);
  const zero: Value = { kind: 'lit', value: 0, dtype: aval.dtype, shape: aval.shape };
  steps.push({ ...copyInto(zero, out), writes: [out.buf], updates: [] });
  if (x.shape.every((n) => n > 0))
    steps.push(copyInto(x, stridedRegion(out, x.shape, starts, step)));
  return [out];
};

const concatenateRule: LoweringRule = (lo, eqn, ins, steps) => {
  const { axis } = eqn.params as ConcatenateParams;
  const aval = eqn.outBinders[0].aval;
  const out = lo.temp(aval.dtype, aval.shape);
  let at = 0;
  ins.forEach((x, i) => {
    const starts = aval.shape.map((_, d) => (d === axis ? at : 0));
    const piece = stridedRegion(
      out,
      x.shape,
      starts,
      aval.shape.map(() => 1),
    );
    const kernel = copyInto(x, piece);
    // The first piece defines the buffer; the others write into it.
    steps.push(i === 0 ? { ...kernel, writes: [out.buf], updates: [] } : kernel);
    at += x.shape[axis];
  });
  if (ins.length === 0) throw new Error('concatenate of nothing');
  return [out];
};

export const assembleRules: [string, LoweringRule][] = [
  ['pad', padRule],
  ['concatenate', concatenateRule],
];
