// SPDX-License-Identifier: MIT
// dynamic_slice / dynamic_update_slice in wasm: a strided copy one side of which is shifted by
// window starts read from memory at run time (so a start carried by a scan is read afresh every
// iteration) and clamped into [0, dim − size] as JAX does. The shift is one byte offset added to
// that side's base address; the copy itself is the same loop nest as a static copy (SIMD when
// both innermost strides are 1, one memory.copy when both sides are contiguous).
import { itemSize } from '../../tensor/dtype.js';
import { sizeOf } from '../../tensor/shape.js';
import { collapseLoops } from '../loops.js';
import type { KernelSpec } from '../steps.js';
import { type ArrayValue, isContiguous } from '../values.js';
import type { CodeWriter, Local } from './builder.js';
import type { KernelContext } from './fused.js';
import { copyElement } from './kernels.js';
import { pushAddress, UnsupportedInWasm } from './layout.js';
import { emitNest } from './nest.js';

export type DynamicCopySpec = Extract<KernelSpec, { kind: 'dynamicCopy' }>;

/** Replaces the i32 on the stack by min(max(it, 0), hi) (hi ≥ 0), through `tmp`. */
function clampTop(w: CodeWriter, tmp: Local, hi: number): void {
  // select(a, b, c) is c ? a : b.
  w.tee(tmp).i32(0).get(tmp).i32(0).op('i32.gt_s').op('select').set(tmp);
  w.i32(hi).get(tmp).get(tmp).i32(hi).op('i32.gt_s').op('select');
}

/**
 * Sets `shift` to the byte offset of the window in the shifted array: Σ clamp(start_d) ·
 * stride_d · itemSize. Literal starts are folded; axes whose window spans the whole dimension
 * (limit 0) or that do not move the array (stride 0) read nothing.
 */
function emitShift(k: KernelContext, spec: DynamicCopySpec, moved: ArrayValue, shift: Local): void {
  const { w } = k;
  const bytes = itemSize(moved.dtype);
  let folded = 0;
  const dynamic: number[] = [];
  spec.starts.forEach((s, d) => {
    const stride = moved.strides[d] * bytes;
    const hi = spec.limits[d];
    if (stride === 0 || hi === 0) return;
    if (s.kind === 'lit') folded += Math.min(Math.max(s.value, 0), hi) * stride;
    else if (s.kind === 'array') dynamic.push(d);
    else throw new UnsupportedInWasm('a fused window start');
  });
  w.i32(folded);
  const tmp = w.local('i32');
  for (const d of dynamic) {
    pushAddress(w, k.layout.address(spec.starts[d] as ArrayValue), k.vars);
    w.mem('i32.load');
    clampTop(w, tmp, spec.limits[d]);
    w.i32(moved.strides[d] * bytes)
      .op('i32.mul')
      .op('i32.add');
  }
  w.set(shift);
}

/** Emits the copy `spec` describes. */
export function emitDynamicCopy(k: KernelContext, spec: DynamicCopySpec): void {
  const { w } = k;
  const { src, dst, shifted } = spec;
  if (src.dtype !== dst.dtype) throw new UnsupportedInWasm('a window copy between dtypes');
  const n = sizeOf(src.shape);
  if (n === 0) return;
  const shift = w.local('i32');
  emitShift(k, spec, shifted === 'src' ? src : dst, shift);
  const base = (a: ArrayValue, moves: boolean) => (cw: CodeWriter) => {
    pushAddress(cw, k.layout.address(a), k.vars);
    if (moves) cw.get(shift).op('i32.add');
  };
  const bytes = itemSize(dst.dtype);
  if (isContiguous(src) && isContiguous(dst)) {
    base(dst, shifted === 'dst')(w);
    base(src, shifted === 'src')(w);
    w.i32(n * bytes).memoryCopy();
    return;
  }
  const { sizes, strides } = collapseLoops(src.shape, [dst.strides, src.strides]);
  const inner = (s: readonly number[]) => s[s.length - 1];
  const lanes =
    dst.dtype !== 'bool' && inner(strides[0]) === 1 && inner(strides[1]) === 1 ? 16 / bytes : 1;
  emitNest(
    w,
    sizes,
    [
      { base: base(dst, shifted === 'dst'), strides: strides[0].map((s) => s * bytes) },
      { base: base(src, shifted === 'src'), strides: strides[1].map((s) => s * bytes) },
    ],
    lanes,
    copyElement(w, dst.dtype),
  );
}
