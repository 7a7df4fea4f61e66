// SPDX-License-Identifier: MIT
// GEMM: every system's product of the same operands, checked against float64, timed
// interleaved; GFLOP/s = 2 n³ / time, ratio to TensorFlow.js's wasm backend (XNNPACK).
import { availableParallelism } from 'node:os';
import type { Candidate, Suite, SystemSpec } from './suite.js';
import {
  type GemmCase,
  type GemmRunner,
  gemmError,
  gemmFlops,
  gemmOperands,
  gemmReference,
  handGemm,
  loomGemm,
  tfGemm,
} from './workloads/gemm.js';
import { threadsMismatch } from './workloads/loom_backend.js';

/** A float32 product must be within 1e-4 of float64, relative to Σ_p |A_ip B_pj|. */
export const GEMM_TOLERANCE = 1e-4;
const GEMM_SEED = 12;

function candidate(runner: GemmRunner | string, check: (c: ArrayLike<number>) => number) {
  if (typeof runner === 'string') return runner;
  const c: Candidate = {
    checkValues() {
      runner.run();
      return [check(runner.result())];
    },
    run: () => runner.run(),
    // One entry read back: enough to wait for a product that is still being computed.
    sync: () => void runner.result()[0],
    dispose: () => runner.dispose(),
  };
  return c;
}

/** The systems of the GEMM table at `threads` threads for the threaded rows. */
export function gemmSuite(gemm: GemmCase, quick: boolean): Suite {
  const ops = gemmOperands(gemm.shape, GEMM_SEED);
  const reference = gemmReference(ops);
  const check = (c: ArrayLike<number>) => gemmError(c, reference);
  const all = availableParallelism();
  const systems: SystemSpec[] = [
    { name: 'hand-written packed 4x4', make: () => candidate(handGemm(ops), check) },
    {
      name: `Loom eager, ${all} threads`,
      threads: all,
      make: () => candidate(loomGemm(ops, 'eager'), check),
    },
    { name: 'Loom jit js', threads: 1, make: () => candidate(loomGemm(ops, 'js'), check) },
    {
      name: 'Loom jit wasm, 1 thread',
      threads: 1,
      make: () => candidate(loomGemm(ops, 'wasm'), check),
    },
  ];
  if (all > 1) {
    systems.push({
      name: `Loom jit wasm, ${all} threads`,
      threads: all,
      make: () => threadsMismatch(all) ?? candidate(loomGemm(ops, 'wasm'), check),
    });
  }
  systems.push({ name: 'tfjs wasm', tfBackend: 'wasm', make: () => candidate(tfGemm(ops), check) });
  return {
    workload: gemm.id,
    unit: 'GFLOP/s',
    higherIsBetter: true,
    systems,
    judge: ([error]) => ({
      ok: error < GEMM_TOLERANCE,
      maxDiff: error,
      detail: `max error ${error.toExponential(1)} of Σ|a·b| against float64`,
    }),
    baseline: 'tfjs wasm',
    value: (ms) => gemmFlops(gemm.shape) / (ms * 1e6),
    // Many short rounds: the ratio is a median over rounds, which steadies with their number.
    timing: { warmup: 3, targetMs: quick ? 100 : 200, repeats: quick ? 3 : 11 },
  };
}
