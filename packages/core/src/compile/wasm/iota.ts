// SPDX-License-Identifier: MIT
// iota in wasm: the count along `dimension`, converted once per value and stored over the
// contiguous elements that share it.
import { itemSize } from '../../tensor/dtype.js';
import { sizeOf } from '../../tensor/shape.js';
import type { KernelSpec } from '../steps.js';
import { storeScalar } from './dtypes.js';
import type { KernelContext } from './fused.js';
import { pushAddress, UnsupportedInWasm } from './layout.js';
import { emitOuterByAxis } from './nest.js';

export type IotaSpec = Extract<KernelSpec, { kind: 'iota' }>;

const FROM_I32 = { float32: 'f32.convert_i32_s', float64: 'f64.convert_i32_s' } as const;

/** Emits the iota `spec`. */
export function emitIota(k: KernelContext, spec: IotaSpec): void {
  const { w } = k;
  const { out, dimension } = spec;
  const { dtype, shape } = out;
  if (dtype === 'bool') throw new UnsupportedInWasm('iota of bool');
  if (sizeOf(shape) === 0) return;
  const e = itemSize(dtype);
  const outer = sizeOf(shape.slice(0, dimension));
  const n = shape[dimension];
  const innerBytes = sizeOf(shape.slice(dimension + 1)) * e;
  const p = w.local('i32');
  const o = w.local('i32');
  const i = w.local('i32');
  const end = w.local('i32');
  const value = w.local(dtype === 'int32' ? 'i32' : dtype === 'float32' ? 'f32' : 'f64');
  pushAddress(w, k.layout.address(out), k.vars);
  w.set(p);
  emitOuterByAxis(w, o, outer, i, n, () => {
    w.get(i);
    if (dtype !== 'int32') w.op(FROM_I32[dtype]);
    w.set(value);
    w.get(p).i32(innerBytes).op('i32.add').set(end);
    w.loop(() => {
      w.get(p).get(value);
      storeScalar(w, dtype);
      w.get(p).i32(e).op('i32.add').tee(p);
      w.get(end).op('i32.lt_u').brIf(0);
    });
  });
}
