// SPDX-License-Identifier: MIT
// gather, scatter_add (an embedding's lookup and its gradient) and iota (the class indices a
// one-hot compares against): JavaScript calls their eager kernels like any fallback;
// WebAssembly generates them (wasm/gather.ts, wasm/iota.ts), so a training step does not leave
// the module for them.
import type { GatherParams } from '../../prims/gather.js';
import type { IotaParams } from '../../prims/iota.js';
import type { DType } from '../../tensor/dtype.js';
import type { LoweringRule } from '../lower.js';
import { fallbackKernel } from './fallback.js';

/** Dtypes the generated scatter_add adds and iota counts in (bool is only ever gathered). */
const NUMERIC: ReadonlySet<DType> = new Set(['float32', 'float64', 'int32']);

export const gatherRule: LoweringRule = (lo, eqn, ins, steps) =>
  fallbackKernel(lo, eqn, ins, steps, ([operand, indices], [out]) =>
    operand.kind === 'array' && indices.kind === 'array'
      ? { kind: 'gather', operand, indices, axis: (eqn.params as GatherParams).axis, out }
      : null,
  );

export const scatterAddRule: LoweringRule = (lo, eqn, ins, steps) =>
  fallbackKernel(lo, eqn, ins, steps, ([updates, indices], [out]) =>
    updates.kind === 'array' && indices.kind === 'array' && NUMERIC.has(out.dtype)
      ? { kind: 'scatterAdd', updates, indices, axis: (eqn.params as GatherParams).axis, out }
      : null,
  );

export const iotaRule: LoweringRule = (lo, eqn, ins, steps) =>
  fallbackKernel(lo, eqn, ins, steps, (_, [out]) =>
    NUMERIC.has(out.dtype)
      ? { kind: 'iota', dimension: (eqn.params as IotaParams).dimension, out }
      : null,
  );
