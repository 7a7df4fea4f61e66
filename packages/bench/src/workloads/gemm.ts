// SPDX-License-Identifier: MIT
// The GEMM workload of BENCHMARKS.md: C = op(A) · op(B) in float32, each system checked against
// a float64 product before it is timed.
import { dotGeneral, type Jitted, matmul, type Tensor, tensor } from '@loom/core';
import { splitmix32 } from '@loom/datasets';
import * as tf from '@tensorflow/tfjs';
import { type GemmShape, PackedGemm } from './gemm_hand.js';
import { uniformArray } from './init.js';
import { backendMismatch, jitWith, type LoomBackend } from './loom_backend.js';

/** One product to benchmark: square n, optionally with a transposed operand. */
export interface GemmCase {
  /** 'GEMM 512', 'GEMM 512 AᵀB', ... */
  id: string;
  shape: GemmShape;
}

const square = (n: number, transA = false, transB = false): GemmCase => ({
  id: `GEMM ${n}${transA ? ' AᵀB' : transB ? ' ABᵀ' : ''}`,
  shape: { m: n, n, k: n, transA, transB },
});

export const GEMM_CASES: readonly GemmCase[] = [
  square(64),
  square(128),
  square(256),
  square(512),
  square(512, true, false),
  square(512, false, true),
];

/** Floating-point operations of one product: 2 m n k. */
export const gemmFlops = (s: GemmShape): number => 2 * s.m * s.n * s.k;

/** The operands as stored (A [k, m] when transA, B [n, k] when transB). */
export interface GemmOperands {
  shape: GemmShape;
  a: Float32Array;
  b: Float32Array;
}

export function gemmOperands(shape: GemmShape, seed: number): GemmOperands {
  const rng = splitmix32(seed);
  return {
    shape,
    a: uniformArray(rng, shape.m * shape.k, -1, 1),
    b: uniformArray(rng, shape.k * shape.n, -1, 1),
  };
}

/** The float64 product, and Σ_p |A_ip B_pj| per entry: the scale a float32 sum's error has. */
export interface GemmReference {
  c: Float64Array;
  scale: Float64Array;
}

export function gemmReference({ shape: s, a, b }: GemmOperands): GemmReference {
  const c = new Float64Array(s.m * s.n);
  const scale = new Float64Array(s.m * s.n);
  for (let i = 0; i < s.m; i++) {
    for (let p = 0; p < s.k; p++) {
      const x = s.transA ? a[p * s.m + i] : a[i * s.k + p];
      const ax = Math.abs(x);
      for (let j = 0; j < s.n; j++) {
        const y = s.transB ? b[j * s.k + p] : b[p * s.n + j];
        c[i * s.n + j] += x * y;
        scale[i * s.n + j] += ax * Math.abs(y);
      }
    }
  }
  return { c, scale };
}

/** max_ij |C_ij − reference_ij| / Σ_p |A_ip B_pj| (NaN anywhere gives NaN). */
export function gemmError(c: ArrayLike<number>, ref: GemmReference): number {
  if (c.length !== ref.c.length) return Number.NaN;
  let worst = 0;
  for (let i = 0; i < c.length; i++) {
    const e = Math.abs(c[i] - ref.c[i]) / Math.max(ref.scale[i], Number.MIN_VALUE);
    if (!(e <= worst)) worst = e;
  }
  return worst;
}

/** One system's product over fixed operands. */
export interface GemmRunner {
  /** Computes the product (possibly leaving it on the system's side). */
  run(): void;
  /** The last product, on the host. */
  result(): ArrayLike<number>;
  dispose(): void;
}

export function handGemm({ shape, a, b }: GemmOperands): GemmRunner {
  const gemm = new PackedGemm(shape.m, shape.n, shape.k);
  const c = new Float32Array(shape.m * shape.n);
  return { run: () => gemm.run(a, b, c, shape), result: () => c, dispose() {} };
}

/** Loom's product: `matmul` for C = A B, `dotGeneral` with the transposed axis contracted else. */
function loomProduct(s: GemmShape): (a: Tensor, b: Tensor) => Tensor {
  if (!s.transA && !s.transB) return (a, b) => matmul(a, b);
  const dims = {
    lhsContracting: [s.transA ? 0 : 1],
    rhsContracting: [s.transB ? 1 : 0],
    lhsBatch: [],
    rhsBatch: [],
  };
  return (a, b) => dotGeneral(a, b, dims);
}

/**
 * Loom's product, eager or under `jit(f, { backend })`; a string says why it cannot run (jit
 * ignoring the backend it was asked for).
 */
export function loomGemm(ops: GemmOperands, mode: 'eager' | LoomBackend): GemmRunner | string {
  const s = ops.shape;
  const a = tensor(ops.a, { shape: s.transA ? [s.k, s.m] : [s.m, s.k] });
  const b = tensor(ops.b, { shape: s.transB ? [s.n, s.k] : [s.k, s.n] });
  const product = loomProduct(s);
  let f: ((a: Tensor, b: Tensor) => Tensor) | Jitted<[Tensor, Tensor], Tensor> = product;
  if (mode !== 'eager') {
    const jitted = jitWith(product, mode);
    const mismatch = backendMismatch(jitted, mode, a, b);
    if (mismatch !== null) return mismatch;
    f = jitted;
  }
  let last: Tensor | null = null;
  return {
    run: () => {
      last = f(a, b);
    },
    result: () => last?.data() ?? [],
    dispose() {},
  };
}

/** TensorFlow.js's `tf.matMul` on the active backend. */
export function tfGemm(ops: GemmOperands): GemmRunner {
  const s = ops.shape;
  const a = tf.tensor2d(ops.a, s.transA ? [s.k, s.m] : [s.m, s.k]);
  const b = tf.tensor2d(ops.b, s.transB ? [s.n, s.k] : [s.k, s.n]);
  let last: tf.Tensor | null = null;
  return {
    run() {
      const c = tf.matMul(a, b, s.transA, s.transB);
      last?.dispose();
      last = c;
    },
    result: () => last?.dataSync() ?? [],
    dispose() {
      last?.dispose();
      tf.dispose([a, b]);
    },
  };
}
