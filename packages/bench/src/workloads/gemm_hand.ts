// SPDX-License-Identifier: MIT
// The hand-written GEMM baseline: what plain JavaScript reaches with the textbook structure of a
// BLAS kernel (Goto's): the operands are copied into packed panels (A in 4-row strips, B in
// 4-column strips, both k-major), so the micro-kernel reads both sequentially whatever the
// transposition; a 4x4 block of C lives in 16 locals over a whole K block; K and M are blocked
// so the panels stay in cache. After construction it allocates nothing.

/** C [m, n] = op(A) · op(B), with op(A) [m, k] and op(B) [k, n]; all row-major. */
export interface GemmShape {
  m: number;
  n: number;
  k: number;
  /** A is stored as [k, m] and used transposed. */
  transA: boolean;
  /** B is stored as [n, k] and used transposed. */
  transB: boolean;
}

const MR = 4;
const NR = 4;
/** K block: an A strip (4 x 256) and a B strip stay in L1 through the micro-kernel's loop. */
const KC = 256;
/** M block: the packed A block (64 x 256 floats, 64 KiB) stays in L2 while B streams. */
const MC = 64;

const roundUp = (x: number, to: number) => Math.ceil(x / to) * to;

export class PackedGemm {
  private readonly packedA: Float32Array;
  private readonly packedB: Float32Array;
  /** The 4x4 block of an edge tile, before only its valid part is stored. */
  private readonly edge = new Float64Array(MR * NR);

  /** Allocates the packing buffers for products up to [maxM, maxK] · [maxK, maxN]. */
  constructor(
    readonly maxM: number,
    readonly maxN: number,
    readonly maxK: number,
  ) {
    this.packedA = new Float32Array(roundUp(Math.min(maxM, MC), MR) * Math.min(maxK, KC));
    this.packedB = new Float32Array(roundUp(maxN, NR) * Math.min(maxK, KC));
  }

  /** Writes op(A) · op(B) into c. */
  run(a: Float32Array, b: Float32Array, c: Float32Array, s: GemmShape): void {
    if (s.m > this.maxM || s.n > this.maxN || s.k > this.maxK) {
      throw new RangeError(
        `PackedGemm.run: [${s.m}, ${s.k}] · [${s.k}, ${s.n}] exceeds the workspace ` +
          `[${this.maxM}, ${this.maxK}] · [${this.maxK}, ${this.maxN}]`,
      );
    }
    if (s.k === 0) {
      c.fill(0, 0, s.m * s.n);
      return;
    }
    for (let p0 = 0; p0 < s.k; p0 += KC) {
      const kc = Math.min(KC, s.k - p0);
      this.packB(b, s, p0, kc);
      for (let i0 = 0; i0 < s.m; i0 += MC) {
        const mc = Math.min(MC, s.m - i0);
        this.packA(a, s, i0, mc, p0, kc);
        for (let jr = 0; jr < s.n; jr += NR) {
          for (let ir = 0; ir < mc; ir += MR) {
            this.tile(c, s.n, i0 + ir, jr, Math.min(MR, mc - ir), Math.min(NR, s.n - jr), {
              aAt: ir * kc,
              bAt: jr * kc,
              kc,
              accumulate: p0 > 0,
            });
          }
        }
      }
    }
  }

  /** Copies rows i0..i0+mc, columns p0..p0+kc of op(A) into 4-row k-major strips. */
  private packA(a: Float32Array, s: GemmShape, i0: number, mc: number, p0: number, kc: number) {
    const out = this.packedA;
    for (let ir = 0; ir < mc; ir += MR) {
      const base = ir * kc;
      const rows = Math.min(MR, mc - ir);
      if (rows < MR) out.fill(0, base, base + kc * MR);
      // Reads follow the stored layout (a strided walk through a 512-wide matrix maps every
      // read to the same few cache sets): op(A)[i, p] is a[p * m + i] when A is transposed.
      if (s.transA) {
        for (let kk = 0; kk < kc; kk++) {
          const from = (p0 + kk) * s.m + i0 + ir;
          for (let r = 0; r < rows; r++) out[base + kk * MR + r] = a[from + r];
        }
      } else {
        for (let r = 0; r < rows; r++) {
          const from = (i0 + ir + r) * s.k + p0;
          for (let kk = 0; kk < kc; kk++) out[base + kk * MR + r] = a[from + kk];
        }
      }
    }
  }

  /** Copies rows p0..p0+kc of op(B), all columns, into 4-column k-major strips. */
  private packB(b: Float32Array, s: GemmShape, p0: number, kc: number) {
    const out = this.packedB;
    for (let jr = 0; jr < s.n; jr += NR) {
      const base = jr * kc;
      const cols = Math.min(NR, s.n - jr);
      if (cols < NR) out.fill(0, base, base + kc * NR);
      // op(B)[p, j] is b[p * n + j], or b[j * k + p] when B is stored transposed.
      if (s.transB) {
        for (let q = 0; q < cols; q++) {
          const from = (jr + q) * s.k + p0;
          for (let kk = 0; kk < kc; kk++) out[base + kk * NR + q] = b[from + kk];
        }
      } else {
        for (let kk = 0; kk < kc; kk++) {
          const from = (p0 + kk) * s.n + jr;
          for (let q = 0; q < cols; q++) out[base + kk * NR + q] = b[from + q];
        }
      }
    }
  }

  /** The micro-kernel: a 4x4 block of C from one A strip and one B strip. */
  // biome-ignore format: the 4x4 block of accumulators reads best as a 4x4 block of statements
  private tile(
    c: Float32Array,
    ldc: number,
    i: number,
    j: number,
    rows: number,
    cols: number,
    { aAt, bAt, kc, accumulate }: { aAt: number; bAt: number; kc: number; accumulate: boolean },
  ) {
    const pa = this.packedA;
    const pb = this.packedB;
    let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
    let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
    let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
    let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
    let x = aAt;
    let y = bAt;
    for (let kk = 0; kk < kc; kk++, x += MR, y += NR) {
      const a0 = pa[x], a1 = pa[x + 1], a2 = pa[x + 2], a3 = pa[x + 3];
      const b0 = pb[y], b1 = pb[y + 1], b2 = pb[y + 2], b3 = pb[y + 3];
      c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
      c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
      c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
      c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
    }
    if (rows === MR && cols === NR) {
      let o = i * ldc + j;
      if (accumulate) {
        c[o] += c00; c[o + 1] += c01; c[o + 2] += c02; c[o + 3] += c03; o += ldc;
        c[o] += c10; c[o + 1] += c11; c[o + 2] += c12; c[o + 3] += c13; o += ldc;
        c[o] += c20; c[o + 1] += c21; c[o + 2] += c22; c[o + 3] += c23; o += ldc;
        c[o] += c30; c[o + 1] += c31; c[o + 2] += c32; c[o + 3] += c33;
      } else {
        c[o] = c00; c[o + 1] = c01; c[o + 2] = c02; c[o + 3] = c03; o += ldc;
        c[o] = c10; c[o + 1] = c11; c[o + 2] = c12; c[o + 3] = c13; o += ldc;
        c[o] = c20; c[o + 1] = c21; c[o + 2] = c22; c[o + 3] = c23; o += ldc;
        c[o] = c30; c[o + 1] = c31; c[o + 2] = c32; c[o + 3] = c33;
      }
      return;
    }
    const e = this.edge;
    e[0] = c00; e[1] = c01; e[2] = c02; e[3] = c03; e[4] = c10; e[5] = c11; e[6] = c12; e[7] = c13;
    e[8] = c20; e[9] = c21; e[10] = c22; e[11] = c23; e[12] = c30; e[13] = c31; e[14] = c32; e[15] = c33;
    for (let r = 0; r < rows; r++) {
      for (let q = 0; q < cols; q++) {
        const o = (i + r) * ldc + j + q;
        c[o] = accumulate ? c[o] + e[r * NR + q] : e[r * NR + q];
      }
    }
  }
}
