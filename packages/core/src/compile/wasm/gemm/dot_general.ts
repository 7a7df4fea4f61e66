// SPDX-License-Identifier: MIT
// Eager dot_general on the generated GEMM. Each operand's batch, free and contracting axes are
// collapsed into one stride each when the row-major layout allows it (always for plain,
// transposed and batched matrix products), so no transposed copy is made; only operands whose
// axes interleave are laid out first, by the caller's `permute`.

import { AllocationError } from '../../../errors.js';
import { features } from '../../../runtime/features.js';
import type { DType, TypedArray } from '../../../tensor/dtype.js';
import { stridesOf } from '../../../tensor/shape.js';
import { gemm, wasmGemmAvailable } from './eager.js';
import type { GemmSpec, OperandLayout } from './plan.js';

/** Below this m·n·k (times batch) the JavaScript loop wins: call and copy overhead (~20 µs)
 * dominate. Measured: JS/wasm time 0.2 at 8³, ~1 at 12³, 1.3-2 at 16³, 7 at 32³ (float32). */
export const WASM_DOT_MIN_WORK = 16 ** 3;

export interface DotAxes {
  readonly lhsContracting: readonly number[];
  readonly rhsContracting: readonly number[];
  readonly lhsBatch: readonly number[];
  readonly rhsBatch: readonly number[];
}

export interface DotOperand {
  readonly buffer: TypedArray;
  readonly shape: readonly number[];
}

/** The one stride that walks `axes` (in order) as a single index, or null if none does. */
function groupStride(shape: readonly number[], strides: number[], axes: number[]): number | null {
  const live = axes.filter((a) => shape[a] !== 1);
  if (live.length === 0) return 0;
  for (let i = 0; i + 1 < live.length; i++) {
    if (strides[live[i]] !== strides[live[i + 1]] * shape[live[i + 1]]) return null;
  }
  return strides[live[live.length - 1]];
}

/** `x` viewed as [batch axes, row axes, column axes]: its buffer and the three strides. */
function viewOf(
  x: DotOperand,
  batchAxes: readonly number[],
  rowAxes: readonly number[],
  colAxes: readonly number[],
  permute: (x: DotOperand, perm: number[]) => TypedArray,
): { buffer: TypedArray; layout: OperandLayout } {
  const strides = stridesOf(x.shape);
  const batchStride = groupStride(x.shape, strides, [...batchAxes]);
  const rowStride = groupStride(x.shape, strides, [...rowAxes]);
  const colStride = groupStride(x.shape, strides, [...colAxes]);
  if (batchStride !== null && rowStride !== null && colStride !== null) {
    return { buffer: x.buffer, layout: { batchStride, rowStride, colStride } };
  }
  // Interleaved axes: lay the operand out as [batch, rows, cols] first.
  const rows = sizeOf(x.shape, rowAxes);
  const cols = sizeOf(x.shape, colAxes);
  return {
    buffer: permute(x, [...batchAxes, ...rowAxes, ...colAxes]),
    layout: { batchStride: rows * cols, rowStride: cols, colStride: 1 },
  };
}

const sizeOf = (shape: readonly number[], axes: readonly number[]) =>
  axes.reduce((p, a) => p * shape[a], 1);

/**
 * Computes dot_general into `out` (zero-filled, output layout [batch, lhs free, rhs free]) with
 * wasm when the dtype is floating, the product is large enough and the operands' axes collapse
 * to strides. Returns false when it did nothing, so the caller runs its JavaScript kernel.
 */
export function wasmDotGeneral(
  lhs: DotOperand,
  rhs: DotOperand,
  dims: DotAxes,
  dtype: DType,
  out: TypedArray,
  lhsFree: readonly number[],
  rhsFree: readonly number[],
  permute: (x: DotOperand, perm: number[]) => TypedArray,
): boolean {
  if (dtype !== 'float32' && dtype !== 'float64') return false;
  const batch = sizeOf(lhs.shape, dims.lhsBatch);
  const m = sizeOf(lhs.shape, lhsFree);
  const k = sizeOf(lhs.shape, dims.lhsContracting);
  const n = sizeOf(rhs.shape, rhsFree);
  if (batch * m * n * k < WASM_DOT_MIN_WORK || !wasmGemmAvailable()) return false;
  const a = viewOf(lhs, dims.lhsBatch, lhsFree, dims.lhsContracting, permute);
  const b = viewOf(rhs, dims.rhsBatch, dims.rhsContracting, rhsFree, permute);
  const spec: GemmSpec = {
    dtype,
    batch,
    m,
    n,
    k,
    a: a.layout,
    b: b.layout,
    c: { rowStride: n, batchStride: m * n },
    accumulate: false,
    // Fused multiply-add where the platform has it (the default; LOOM_RELAXED_SIMD=0 turns it off).
    fma: features().relaxedSimd,
  };
  try {
    gemm(spec, a.buffer, b.buffer, out);
    return true;
  } catch (e) {
    // Operands beyond the 32-bit wasm heap: the JavaScript kernel has no such limit.
    if (e instanceof AllocationError) return false;
    throw e;
  }
}
