// SPDX-License-Identifier: MIT
// Issue 7's compile-time target: the first call of a freshly created jit(step) for W2 (trace,
// derivatives, compilation and one run) minus the steady-state time of a step, at sequence
// lengths 96 and 960.
import { jit } from '@loom/core';
import {
  sineSquareOptState,
  sineSquareParams,
  sineSquareStep,
  sineSquareTensors,
} from './workloads/w2_loom.js';
import { sineSquareData, sineSquareWeights } from './workloads/w2_sine_square.js';

export interface CompileRow {
  workload: string;
  seqLen: number;
  /** Median over fresh jit(step) objects of the first call, ms. */
  firstCallMs: number;
  /** Median of the later calls of the same objects, ms. */
  stepMs: number;
  /** firstCallMs − stepMs. */
  compileMs: number;
  /** Each fresh jit's first call, ms. */
  firstCallsMs: number[];
}

const FRESH = 5;
const LATER = 3;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Measures W2's compile time at each sequence length. Each call is timed on its own, with its
 * loss read back, and medians over 5 fresh jits (and their 3 later calls each) damp the
 * collector's pauses, which are of the same order as the compile time itself.
 */
export function compileTimes(seqLens: number[] = [96, 960]): CompileRow[] {
  const weights = sineSquareWeights(4);
  return seqLens.map((seqLen) => {
    const { xs, ys } = sineSquareTensors(sineSquareData(1, 4, seqLen));
    const params = sineSquareParams(weights);
    const state = sineSquareOptState(params);
    const firsts: number[] = [];
    const later: number[] = [];
    for (let r = 0; r < FRESH; r++) {
      const step = jit(sineSquareStep);
      for (let c = 0; c <= LATER; c++) {
        const t0 = performance.now();
        step(params, state, xs[0], ys[0])[2].item();
        (c === 0 ? firsts : later).push(performance.now() - t0);
      }
    }
    const firstCallMs = median(firsts);
    const stepMs = median(later);
    return {
      workload: 'W2 compile',
      seqLen,
      firstCallMs,
      stepMs,
      compileMs: firstCallMs - stepMs,
      firstCallsMs: firsts,
    };
  });
}
