// SPDX-License-Identifier: MIT
// gather and scatter_add as wasm loops, bit for bit the eager kernels (kernels/layout.ts,
// prims/gather.ts). gather copies each index's slice with memory.copy, or fills it (NaN for
// floats, JAX's mode='fill') when the index is outside [0, n). scatter_add zeroes its output,
// then adds the slices in index order, as the eager kernel does, so float sums round alike;
// out-of-range indices are dropped. One unsigned compare catches negative indices too.
import { fillValue } from '../../prims/index_range.js';
import { type DType, itemSize } from '../../tensor/dtype.js';
import { sizeOf } from '../../tensor/shape.js';
import type { KernelSpec } from '../steps.js';
import type { ArrayValue } from '../values.js';
import type { CodeWriter, Local } from './builder.js';
import { loadScalar, scalarConst, storeScalar } from './dtypes.js';
import type { KernelContext } from './fused.js';
import { pushAddress, UnsupportedInWasm } from './layout.js';
import { emitOuterByAxis } from './nest.js';

export type GatherSpec = Extract<KernelSpec, { kind: 'gather' }>;
export type ScatterAddSpec = Extract<KernelSpec, { kind: 'scatterAdd' }>;

/** `shape` as [outer, n, inner] around `axis`. */
function around(shape: readonly number[], axis: number) {
  return {
    outer: sizeOf(shape.slice(0, axis)),
    n: shape[axis],
    inner: sizeOf(shape.slice(axis + 1)),
  };
}

function baseLocal(k: KernelContext, a: ArrayValue): Local {
  const at = k.w.local('i32');
  pushAddress(k.w, k.layout.address(a), k.vars);
  k.w.set(at);
  return at;
}

/**
 * The loop over (o, j) both kernels share: `ix` is index j (read from memory), `slice` walks
 * the [outer, k, inner] side by one slice per step, `row` is that index's slice of the
 * [outer, n, inner] side when ix is in range; `body(inRange)` runs inside the range test.
 */
function forEachIndex(
  k: KernelContext,
  spec: { readonly indices: ArrayValue; readonly axis: number },
  nSide: readonly number[],
  sliced: Local,
  whole: Local,
  dtype: DType,
  body: (inRange: boolean, slice: Local, row: Local) => void,
): void {
  const { w } = k;
  const { outer, n, inner } = around(nSide, spec.axis);
  const count = sizeOf(spec.indices.shape);
  const rowBytes = inner * itemSize(dtype);
  const indices = baseLocal(k, spec.indices);
  const o = w.local('i32');
  const j = w.local('i32');
  const ix = w.local('i32');
  const row = w.local('i32');
  emitOuterByAxis(w, o, outer, j, count, () => {
    w.get(indices).get(j).i32(4).op('i32.mul').op('i32.add').mem('i32.load').set(ix);
    w.get(ix).i32(n).op('i32.lt_u');
    w.if(
      () => {
        // row = whole + (o·n + ix)·rowBytes
        w.get(whole).get(o).i32(n).op('i32.mul').get(ix).op('i32.add');
        w.i32(rowBytes).op('i32.mul').op('i32.add').set(row);
        body(true, sliced, row);
      },
      () => body(false, sliced, row),
    );
    w.get(sliced).i32(rowBytes).op('i32.add').set(sliced);
  });
}

/** Emits the gather `spec`. */
export function emitGather(k: KernelContext, spec: GatherSpec): void {
  const { w } = k;
  const { dtype } = spec.out;
  if (sizeOf(spec.out.shape) === 0) return;
  const e = itemSize(dtype);
  const rowBytes = around(spec.operand.shape, spec.axis).inner * e;
  const dst = baseLocal(k, spec.out);
  const src = baseLocal(k, spec.operand);
  const t = w.local('i32');
  forEachIndex(k, spec, spec.operand.shape, dst, src, dtype, (inRange, slice, row) => {
    if (inRange) {
      w.get(slice).get(row).i32(rowBytes).memoryCopy();
      return;
    }
    w.forLoop(
      t,
      () => w.i32(0),
      () => w.i32(rowBytes),
      e,
      () => {
        w.get(slice).get(t).op('i32.add');
        scalarConst(w, dtype, fillValue(dtype));
        storeScalar(w, dtype);
      },
    );
  });
}

const VECTOR_ADD = { float32: 'f32x4.add', float64: 'f64x2.add', int32: 'i32x4.add' } as const;
const SCALAR_ADD = { float32: 'f32.add', float64: 'f64.add', int32: 'i32.add' } as const;

/** row[0..bytes) += slice[0..bytes): 16-byte vectors, then the last elements one by one. */
function addSlice(
  w: CodeWriter,
  dtype: 'float32' | 'float64' | 'int32',
  row: Local,
  slice: Local,
  bytes: number,
) {
  const e = itemSize(dtype);
  const vectorBytes = bytes - (bytes % 16);
  const t = w.local('i32');
  if (vectorBytes > 0) {
    w.forLoop(
      t,
      () => w.i32(0),
      () => w.i32(vectorBytes),
      16,
      () => {
        w.get(row).get(t).op('i32.add');
        w.get(row).get(t).op('i32.add').mem('v128.load', 0, 0);
        w.get(slice).get(t).op('i32.add').mem('v128.load', 0, 0);
        w.op(VECTOR_ADD[dtype]).mem('v128.store', 0, 0);
      },
    );
  }
  for (let at = vectorBytes; at < bytes; at += e) {
    w.get(row);
    w.get(row);
    loadScalar(w, dtype, at);
    w.get(slice);
    loadScalar(w, dtype, at);
    w.op(SCALAR_ADD[dtype]);
    storeScalar(w, dtype, at);
  }
}

/** Emits the scatter_add `spec`. */
export function emitScatterAdd(k: KernelContext, spec: ScatterAddSpec): void {
  const { w } = k;
  const { dtype } = spec.out;
  if (dtype !== 'float32' && dtype !== 'float64' && dtype !== 'int32') {
    throw new UnsupportedInWasm(`scatter_add of ${dtype}`);
  }
  const size = sizeOf(spec.out.shape);
  if (size === 0) return;
  const e = itemSize(dtype);
  const rowBytes = around(spec.out.shape, spec.axis).inner * e;
  const dst = baseLocal(k, spec.out);
  w.get(dst)
    .i32(0)
    .i32(size * e)
    .memoryFill();
  const src = baseLocal(k, spec.updates);
  forEachIndex(k, spec, spec.out.shape, src, dst, dtype, (inRange, slice, row) => {
    if (inRange) addSlice(w, dtype, row, slice, rowBytes);
  });
}
