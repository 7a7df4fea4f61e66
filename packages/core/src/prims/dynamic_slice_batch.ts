// SPDX-License-Identifier: MIT
// Batching rules of dynamic_slice / dynamic_update_slice. With shared starts the batch axis is
// one more axis whose window is all of it (start 0). With per-example starts every axis becomes
// a gather along that axis with per-example indices (start + iota, already clamped), which the
// gather primitive batches for us; an update is placed by gathering it onto the operand's grid
// and selecting inside the window.
import { scalar } from '../tensor/create.js';
import type { Tensor } from '../tensor/tensor.js';
import { bind1 } from '../trace/trace.js';
import { add } from './add.js';
import { type BatchDim, moveAxis, moveBatchAxis, reshapeTo } from './batching.js';
import { ge, lt } from './comparisons.js';
import { astype } from './convert_element_type.js';
import { dynamicSlicePrim, dynamicUpdateSlicePrim } from './dynamic_slice.js';
import { maximum, minimum } from './extrema.js';
import { gatherPrim } from './gather.js';
import { iotaPrim } from './iota.js';
import { mul } from './mul.js';
import { select } from './select.js';
import { sub } from './sub.js';

type BatchResult = [Tensor[], BatchDim[]];

/** Per-example start `s` as a [B, 1] int32 column, clamped into [0, dim - size]. */
function startColumn(size: number, s: Tensor, d: BatchDim, dim: number, window: number): Tensor {
  const clamped = minimum(maximum(s, 0), dim - window);
  const column = d === null ? clamped : moveAxis(clamped, d, 0);
  return reshapeTo(d === null ? moveBatchAxis(size, null, 0, column) : column, [size, 1]);
}

function iotaRow(n: number): Tensor {
  return bind1(iotaPrim, [], { shape: [1, n], dimension: 1, dtype: 'int32' });
}

/** Gathers `x` ([B, ...]) along per-example axis `axis` at per-example indices [B, k]. */
function gatherEach(size: number, x: Tensor, indices: Tensor, axis: number): Tensor {
  const [[out], [d]] = gatherPrim.batch!(size, [x, indices], [0, 0], { axis });
  return moveAxis(out, d!, 0);
}

export function batchedDynamicSlice(
  size: number,
  x: Tensor,
  dx: BatchDim,
  starts: Tensor[],
  ds: BatchDim[],
  sizes: readonly number[],
): BatchResult {
  if (ds.every((d) => d === null)) {
    const b = dx!;
    const all = [...starts];
    all.splice(b, 0, scalar(0, 'int32'));
    const full = [...sizes];
    full.splice(b, 0, size);
    return [[bind1(dynamicSlicePrim, [x, ...all], { sizes: full })], [b]];
  }
  let out = moveBatchAxis(size, dx, 0, x);
  const shape = out.shape.slice(1);
  starts.forEach((s, a) => {
    const start = startColumn(size, s, ds[a], shape[a], sizes[a]);
    out = gatherEach(size, out, add(start, iotaRow(sizes[a])), a);
  });
  return [[out], [0]];
}

export function batchedDynamicUpdateSlice(
  size: number,
  x: Tensor,
  dx: BatchDim,
  update: Tensor,
  du: BatchDim,
  starts: Tensor[],
  ds: BatchDim[],
): BatchResult {
  const xb = moveBatchAxis(size, dx, 0, x);
  const ub = moveBatchAxis(size, du, 0, update);
  if (ds.every((d) => d === null)) {
    const all = [scalar(0, 'int32'), ...starts];
    return [[bind1(dynamicUpdateSlicePrim, [xb, ub, ...all], {})], [0]];
  }
  const shape = xb.shape.slice(1);
  const window = ub.shape.slice(1);
  if (window.some((n) => n === 0)) return [[xb], [0]];
  // placed[b, i...] = update[b, i - start...] read on the operand's grid (indices clamped into
  // the window), kept only where every axis is inside the window.
  let placed = ub;
  let inside: Tensor | null = null;
  starts.forEach((s, a) => {
    const start = startColumn(size, s, ds[a], shape[a], window[a]);
    const rel = sub(iotaRow(shape[a]), start); // [B, dim]
    placed = gatherEach(size, placed, minimum(maximum(rel, 0), window[a] - 1), a);
    const hit = mul(astype(ge(rel, 0), 'int32'), astype(lt(rel, window[a]), 'int32'));
    const along = reshapeTo(hit, [size, ...shape.map((n, k) => (k === a ? n : 1))]);
    inside = inside === null ? along : mul(inside, along);
  });
  const mask = ge(inside!, 1);
  return [[select(mask, placed, xb)], [0]];
}
