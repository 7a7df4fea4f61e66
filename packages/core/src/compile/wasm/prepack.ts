// SPDX-License-Identifier: MIT
// Weights packed once per loop. A product inside a scan body re-packs its B operand into panels
// on every step, though B is usually a weight the loop only reads (h·Wh, and the backward
// pass's dz·Whᵀ, a strided gather). Here such operands are found, packed once when the loop
// starts (into an arena buffer of their own), and the products read the panels from there.
import type { KernelSpec, Step } from '../steps.js';
import { walkSteps } from '../steps.js';
import { type ArrayValue, location } from '../values.js';
import { CHUNK_VAR } from './chunks.js';
import { gemmOf } from './dot.js';
import type { GemmSpec } from './gemm/plan.js';
import { packedBBytes } from './gemm/plan.js';
import { parseTerm } from './layout.js';

export interface PackedOperand {
  /** The product's spec with `packedB` (the prepack function is keyed by it too). */
  readonly gemm: GemmSpec;
  /** The B operand as the loop reads it (its address is pushed when the loop starts). */
  readonly b: ArrayValue;
  readonly bytes: number;
  /** Arena key of the packed copy. */
  readonly key: string;
}

export interface Prepacks {
  /** Per product (kernel spec object): its packed B. */
  readonly byKernel: ReadonlyMap<KernelSpec, PackedOperand>;
  /** Per scan region: the operands to pack when it starts. */
  readonly byLoop: ReadonlyMap<Step, readonly PackedOperand[]>;
}

/**
 * Finds the loop-invariant B operands of the products in each scan body. `kernelsOf` gives the
 * kernels the lowering emits for a scan's body (a split scan's narrowed ones).
 */
export function planPrepacks(
  steps: readonly Step[],
  kernelsOf: (scan: Step) => readonly KernelSpec[],
  fma: boolean,
): Prepacks {
  const byKernel = new Map<KernelSpec, PackedOperand>();
  const byLoop = new Map<Step, readonly PackedOperand[]>();
  let count = 0;
  for (const s of walkSteps(steps)) {
    if (s.kind !== 'region' || s.spec?.kind !== 'scan' || s.spec.length < 2) continue;
    const loopVars = new Set([s.spec.counter, s.spec.index, CHUNK_VAR]);
    const written = new Set<string | null>();
    for (const inner of walkSteps(s.blocks[0])) {
      const bufs = [...inner.writes, ...(inner.kind === 'kernel' ? (inner.updates ?? []) : [])];
      for (const b of bufs) written.add(b.root().name);
    }
    const operands = new Map<string, PackedOperand>();
    for (const k of kernelsOf(s)) {
      if (k.kind !== 'dot') continue;
      const product = gemmOf(k, fma);
      if (!product) continue;
      const g = product.gemm;
      if (g.batch !== 1 || g.m * g.n * g.k === 0) continue;
      const operand = product.swapped ? k.lhs : k.rhs;
      if (operand.buf.root().name === null) continue;
      const at = location(operand);
      const bytes = operand.dtype === 'float64' ? 8 : 4;
      if (written.has(at.name)) continue;
      if (at.off.terms.some((t) => loopVars.has(parseTerm(t, bytes).v))) continue;
      const gemm: GemmSpec = { ...g, packedB: true };
      const id = JSON.stringify([at, gemm.b, gemm.k, gemm.n, gemm.dtype]);
      let packed = operands.get(id);
      if (!packed) {
        packed = { gemm, b: operand, bytes: packedBBytes(gemm), key: `#packed${count++}` };
        operands.set(id, packed);
      }
      byKernel.set(k, packed);
    }
    if (operands.size > 0) byLoop.set(s, [...operands.values()]);
  }
  return { byKernel, byLoop };
}
