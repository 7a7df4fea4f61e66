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
import { loadScalar, storeScalar } from './dtypes.js';
import type { KernelContext } from './fused.js';
import { storeConstant } from './kernels.js';
import { pushAddress, UnsupportedInWasm } from './layout.js';
import { emitNest, emitOuterByAxis, type NestBody } from './nest.js';

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
 * The loop both kernels share, over positions (o, j) of the [outer, k, inner] side: `sliced`
 * steps one slice per position; `inRange(row)` runs when index j is inside [0, n), with `row`
 * the address of its slice in the [outer, n, inner] side at `whole`; `outOfRange` otherwise.
 */
function forEachIndex(
  k: KernelContext,
  spec: { readonly indices: ArrayValue; readonly axis: number },
  nSide: readonly number[],
  rowBytes: number,
  sliced: Local,
  whole: Local,
  inRange: (row: Local) => void,
  outOfRange?: () => void,
): void {
  const { w } = k;
  const { outer, n } = around(nSide, spec.axis);
  const indices = baseLocal(k, spec.indices);
  const o = w.local('i32');
  const j = w.local('i32');
  const ix = w.local('i32');
  const row = w.local('i32');
  emitOuterByAxis(w, o, outer, j, sizeOf(spec.indices.shape), () => {
    w.get(indices).get(j).i32(4).op('i32.mul').op('i32.add').mem('i32.load').set(ix);
    w.get(ix).i32(n).op('i32.lt_u');
    w.if(() => {
      // row = whole + (o·n + ix)·rowBytes
      w.get(whole).get(o).i32(n).op('i32.mul').get(ix).op('i32.add');
      w.i32(rowBytes).op('i32.mul').op('i32.add').set(row);
      inRange(row);
    }, outOfRange);
    w.get(sliced).i32(rowBytes).op('i32.add').set(sliced);
  });
}

/** One pass over the `bytes` of a slice: 16-byte vector steps where the dtype has lanes. */
function overSlice(w: CodeWriter, dtype: DType, bytes: number, at: Local[], body: NestBody) {
  const e = itemSize(dtype);
  const accesses = at.map((p) => ({ base: (cw: CodeWriter) => cw.get(p), strides: [e] }));
  emitNest(w, [bytes / e], accesses, dtype === 'bool' ? 1 : 16 / e, body);
}

/** Emits the gather `spec`. */
export function emitGather(k: KernelContext, spec: GatherSpec): void {
  const { w } = k;
  const { dtype } = spec.out;
  if (sizeOf(spec.out.shape) === 0) return;
  const rowBytes = around(spec.operand.shape, spec.axis).inner * itemSize(dtype);
  const dst = baseLocal(k, spec.out);
  const src = baseLocal(k, spec.operand);
  forEachIndex(
    k,
    spec,
    spec.operand.shape,
    rowBytes,
    dst,
    src,
    (row) => w.get(dst).get(row).i32(rowBytes).memoryCopy(),
    () => overSlice(w, dtype, rowBytes, [dst], storeConstant(w, dtype, fillValue(dtype))),
  );
}

const ADD = {
  float32: ['f32x4.add', 'f32.add'],
  float64: ['f64x2.add', 'f64.add'],
  int32: ['i32x4.add', 'i32.add'],
} as const;

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
  // row += slice, element by element (or 16 bytes at a time).
  const addInto: NestBody = ([row, slice], vector) => {
    w.get(row);
    if (vector) {
      w.get(row).mem('v128.load', 0, 0).get(slice).mem('v128.load', 0, 0).op(ADD[dtype][0]);
      w.mem('v128.store', 0, 0);
    } else {
      w.get(row);
      loadScalar(w, dtype);
      w.get(slice);
      loadScalar(w, dtype);
      w.op(ADD[dtype][1]);
      storeScalar(w, dtype);
    }
  };
  forEachIndex(k, spec, spec.out.shape, rowBytes, src, dst, (row) =>
    overSlice(w, dtype, rowBytes, [row, src], addInto),
  );
}
