// SPDX-License-Identifier: MIT
// The shape of one generated matrix product: what the caller asks for (GemmSpec), what it gets
// back (GemmKernel), and the blocking chosen for it (GemmPlan). Every number here is a compile-
// time constant of the emitted code, so transposed operands and tails cost no runtime checks.
import { InvalidArgumentError } from '../../../errors.js';
import type { FuncRef } from '../builder.js';

/** Element strides of one operand: `X[b][i][j] = x[b*batchStride + i*rowStride + j*colStride]`. */
export interface OperandLayout {
  readonly rowStride: number;
  readonly colStride: number;
  readonly batchStride: number;
}

/** `C[b] (m×n) = A[b] (m×k) · B[b] (k×n)`, or `C += A·B` when `accumulate`. */
export interface GemmSpec {
  readonly dtype: 'float32' | 'float64';
  readonly batch: number;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly a: OperandLayout;
  readonly b: OperandLayout;
  /** C is contiguous along n. */
  readonly c: { readonly rowStride: number; readonly batchStride: number };
  readonly accumulate: boolean;
  /** Use `relaxed_madd` (only when the relaxed-SIMD probe passed). */
  readonly fma: boolean;
  /**
   * B arrives packed (`emitPrepackB`'s layout, batch 1 only): the product reads panels straight
   * from it instead of packing B into scratch, so a loop packs its loop-invariant weights once.
   */
  readonly packedB?: boolean;
}

export interface GemmKernel {
  /** `(taskBegin, taskEnd, aPtr, bPtr, cPtr, scratchPtr) -> ()`, pointers are byte addresses. */
  readonly fn: FuncRef;
  /** Independent tasks (column panels × row blocks × batch); any split gives bitwise equal C. */
  readonly tasks: number;
  /** Bytes of scratch at scratchPtr (one packed-B slot per task). */
  readonly scratchBytes: number;
  readonly flops: number;
}

/** Rows of the register tile. 6 rows spill on V8's 16 vector registers (WASM.md §8). */
export const MR = 4;
/** Panel width in bytes: two v128 per packed row, 8 float32 or 4 float64 columns. */
export const PANEL_BYTES = 32;
/** Depth of one K block: a 4×KC slice of A and a KC×NR panel stay in L1. */
const KC_MAX = 256;
/** Widest column block: its KC×NC packed B (256 KiB in float32) stays in L2. */
const NC_MAX_BYTES = 256 * 4;
/** Fewer work units than this and rows are split too, so two or more threads have work. */
const MIN_UNITS = 8;
/** Column blocks split off for threads are at least this many panels wide. */
const MIN_PANELS_PER_BLOCK = 4;
/** Row blocks are at least this tall, so re-packing B per row block stays a few percent. */
const MIN_ROWS_PER_BLOCK = 64;
/**
 * A is packed when its k-stride is at least this. Measured on one thread: AᵀB with strides of
 * 2 KiB (m = 512) gained 7-15%; with 176 bytes (m = 44) it lost 5%, those rows sharing lines.
 */
const PACK_A_MIN_STRIDE_BYTES = 512;
/** At most this many tasks: each owns a scratch slot, so this bounds the scratch. */
const MAX_TASKS = 64;

export interface GemmPlan {
  readonly spec: GemmSpec;
  readonly elemBytes: 4 | 8;
  /** Columns per packed panel. */
  readonly nr: number;
  /** K block depth (the last block may be shorter). */
  readonly kc: number;
  /** Columns per column block (a multiple of nr). */
  readonly nc: number;
  /** Rows per row block (a multiple of MR). */
  readonly mc: number;
  readonly colBlocks: number;
  readonly rowBlocks: number;
  /** batch × rowBlocks × colBlocks; unit u is (b, rb, cb) with cb fastest. */
  readonly units: number;
  readonly unitsPerTask: number;
  readonly tasks: number;
  /**
   * A's rows are copied, MR at a time, into a k-major strip (MR contiguous values per k) before
   * the tile's panels run over them: when A's k-stride is at least PACK_A_MIN_STRIDE_BYTES (Aᵀ
   * stored, as in an RNN's weight gradient) and the strip serves two panels or more. Read in
   * place, such an A costs a new cache line per k: 512³ AᵀB ran at 0.83× of A·B's speed.
   */
  readonly packA: boolean;
  /** Bytes of the packed-B part of a scratch slot; the A strip follows it. */
  readonly slotBBytes: number;
  /** Scratch per task (packed B, then the A strip), a multiple of 64 bytes. */
  readonly slotBytes: number;
}

const ceilDiv = (a: number, b: number) => Math.ceil(a / b);
const roundUp = (a: number, b: number) => ceilDiv(a, b) * b;

function checkSpec(spec: GemmSpec): void {
  const dims = { batch: spec.batch, m: spec.m, n: spec.n, k: spec.k };
  for (const [name, v] of Object.entries(dims)) {
    if (!Number.isInteger(v) || v < 0) {
      throw new InvalidArgumentError(
        `wasm gemm: ${name} must be a non-negative integer, got ${v} (spec ${JSON.stringify(dims)}).`,
      );
    }
  }
  const strides = {
    'a.rowStride': spec.a.rowStride,
    'a.colStride': spec.a.colStride,
    'a.batchStride': spec.a.batchStride,
    'b.rowStride': spec.b.rowStride,
    'b.colStride': spec.b.colStride,
    'b.batchStride': spec.b.batchStride,
    'c.rowStride': spec.c.rowStride,
    'c.batchStride': spec.c.batchStride,
  };
  for (const [name, v] of Object.entries(strides)) {
    if (!Number.isInteger(v) || v < 0) {
      throw new InvalidArgumentError(
        `wasm gemm: stride ${name} must be a non-negative integer, got ${v}.`,
      );
    }
  }
  if (spec.packedB && spec.batch !== 1) {
    throw new InvalidArgumentError(
      `wasm gemm: a prepacked B needs batch 1, got batch ${spec.batch} (spec ${JSON.stringify(dims)}).`,
    );
  }
  if (spec.dtype !== 'float32' && spec.dtype !== 'float64') {
    throw new InvalidArgumentError(
      `wasm gemm: dtype must be 'float32' or 'float64', got '${String(spec.dtype)}'.`,
    );
  }
}

/** The spec of `C = A·B` over contiguous row-major operands (tests and benchmarks). */
export function rowMajorGemm(
  batch: number,
  m: number,
  n: number,
  k: number,
  dtype: GemmSpec['dtype'] = 'float32',
): GemmSpec {
  return {
    dtype,
    batch,
    m,
    n,
    k,
    a: { rowStride: k, colStride: 1, batchStride: m * k },
    b: { rowStride: n, colStride: 1, batchStride: k * n },
    c: { rowStride: n, batchStride: m * n },
    accumulate: false,
    fma: false,
  };
}

/** Chooses the blocking for `spec`. */
export function planGemm(spec: GemmSpec): GemmPlan {
  checkSpec(spec);
  const elemBytes = spec.dtype === 'float32' ? 4 : 8;
  const nr = PANEL_BYTES / elemBytes;
  const { batch, m, n, k } = spec;
  const kBlocks = Math.max(1, ceilDiv(k, KC_MAX));
  const kc = Math.max(1, ceilDiv(k, kBlocks));
  const ncMax = NC_MAX_BYTES / elemBytes;
  const bySize = Math.max(1, ceilDiv(n, ncMax));
  // Too few units: split columns first (a column block re-reads only A's few rows), down to
  // MIN_PANELS_PER_BLOCK panels per block; an RNN step's product has few rows to split.
  const wanted =
    batch * bySize >= MIN_UNITS
      ? bySize
      : Math.max(
          bySize,
          Math.min(ceilDiv(MIN_UNITS, batch), Math.floor(n / (MIN_PANELS_PER_BLOCK * nr))),
        );
  const nc = Math.max(nr, roundUp(ceilDiv(n, wanted), nr));
  const colBlocks = Math.max(1, ceilDiv(n, nc));
  const base = batch * colBlocks;
  const rowBlocks =
    base >= MIN_UNITS
      ? 1
      : Math.max(1, Math.min(ceilDiv(MIN_UNITS, base), Math.floor(m / MIN_ROWS_PER_BLOCK)));
  const mc = Math.max(MR, roundUp(ceilDiv(m, rowBlocks), MR));
  const empty = batch === 0 || m === 0 || n === 0;
  const units = empty ? 0 : batch * ceilDiv(m, mc) * colBlocks;
  const unitsPerTask = Math.max(1, ceilDiv(units, MAX_TASKS));
  const tasks = ceilDiv(units, unitsPerTask);
  const slotBBytes = spec.packedB || k === 0 ? 0 : roundUp(nc * kc * elemBytes, 64);
  const packA = spec.a.colStride * elemBytes >= PACK_A_MIN_STRIDE_BYTES && nc > nr && k > 0;
  const slotBytes = slotBBytes + (packA ? roundUp(MR * kc * elemBytes, 64) : 0);
  return {
    spec,
    elemBytes,
    nr,
    kc,
    nc,
    mc,
    colBlocks,
    rowBlocks: empty ? 0 : ceilDiv(m, mc),
    units,
    unitsPerTask,
    tasks,
    packA,
    slotBBytes,
    slotBytes,
  };
}

/** Bytes of B packed whole (`emitPrepackB`): every K block's panels over all n columns. */
export function packedBBytes(spec: GemmSpec): number {
  return (
    Math.ceil(spec.n / (PANEL_BYTES / (spec.dtype === 'float32' ? 4 : 8))) * spec.k * PANEL_BYTES
  );
}
