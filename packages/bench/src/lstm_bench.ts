// SPDX-License-Identifier: MIT
// W3 and W4: Loom under jit with each backend (and thread count) against TensorFlow.js's wasm
// backend, all from the same weights on the same batches; Loom's JavaScript backend is the
// reference of the loss trajectory check and tfjs-wasm the denominator of the ratios.
import { availableParallelism } from 'node:os';
import { trainerCandidate } from './candidates.js';
import type { Suite, SystemSpec } from './suite.js';
import { compareValues } from './trajectory.js';
import { threadsMismatch } from './workloads/loom_backend.js';
import { loomLstmTrainer } from './workloads/lstm_loom.js';
import {
  type LstmTask,
  lstmData,
  lstmStepFlops,
  lstmTokens,
  lstmWeights,
  W3_TASK,
  W4_TASK,
} from './workloads/lstm_task.js';
import { tfLstmTrainer } from './workloads/lstm_tfjs.js';

/**
 * Float32 sums over a few thousand terms, ordered differently by every system: losses agree to
 * 1e-3 relatively (absolutely below 0.01, as W4's mean of h is near zero).
 */
export const LSTM_TOLERANCE = { tolerance: 1e-3, floor: 0.01 };

const LSTM_SEED = 3;

export type LstmWorkload = 'W3' | 'W4';

/** The W3 or W4 suite; `quick` shortens the check and the repeats. */
export function lstmSuite(id: LstmWorkload, quick: boolean): Suite {
  const task: LstmTask = id === 'W3' ? W3_TASK : W4_TASK;
  const init = lstmWeights(task, LSTM_SEED);
  const data = lstmData(task, id === 'W3' ? 8 : 2, LSTM_SEED);
  // W4 takes tens of seconds per step on the JavaScript backend: a short check, one step per
  // repeat, and no further warm-up (the check compiled and ran it).
  const checks = id === 'W3' ? 5 : quick ? 1 : 2;
  const all = availableParallelism();
  const loom = (mode: 'js' | 'wasm') => () => {
    const t = loomLstmTrainer(task, init, data, mode);
    return typeof t === 'string' ? t : trainerCandidate(t, checks);
  };
  const systems: SystemSpec[] = [
    { name: 'Loom jit js', threads: 1, make: loom('js') },
    { name: 'Loom jit wasm, 1 thread', threads: 1, make: loom('wasm') },
  ];
  if (all > 1) {
    systems.push({
      name: `Loom jit wasm, ${all} threads`,
      threads: all,
      make: () => threadsMismatch(all) ?? loom('wasm')(),
    });
  }
  systems.push({
    name: 'tfjs wasm',
    tfBackend: 'wasm',
    make: () => trainerCandidate(tfLstmTrainer(task, init, data), checks),
  });
  return {
    workload: id,
    unit: 'tokens/s',
    higherIsBetter: true,
    systems,
    judge: (values, reference) =>
      reference === null
        ? { ok: values.every(Number.isFinite), maxDiff: 0, detail: 'reference' }
        : compareValues(values, reference, 'steps', LSTM_TOLERANCE),
    baseline: 'tfjs wasm',
    value: (ms) => (lstmTokens(task) * 1000) / ms,
    gflops: (ms) => lstmStepFlops(task) / (ms * 1e6),
    timing:
      id === 'W3'
        ? { warmup: quick ? 1 : 15, targetMs: quick ? 200 : 500, repeats: quick ? 3 : 7 }
        : { warmup: 0, fixedCalls: 1, repeats: quick ? 1 : 3 },
  };
}
