// SPDX-License-Identifier: MIT
// Issue 12's first-call target for the W3 step: a fresh `jit(step, { backend })` (trace,
// derivatives, compilation and one run) against a steady step of the same jit, per backend.
import {
  backendMismatch,
  jitWith,
  type LoomBackend,
  setLoomThreads,
} from './workloads/loom_backend.js';
import { lstmParams, lstmStep, lstmTensors } from './workloads/lstm_loom.js';
import { lstmData, lstmWeights, W3_TASK } from './workloads/lstm_task.js';

export interface FirstCallRow {
  workload: string;
  backend: LoomBackend;
  /** Median over fresh jits of the first call, ms. */
  firstCallMs: number;
  /** Median of the later calls of the same jits, ms. */
  stepMs: number;
  /** The target: at most 2 steps + 150 ms. */
  targetMs: number;
  /** Each fresh jit's first call, ms. */
  firstCallsMs: number[];
  /** Why the backend could not be measured (jit ignoring it), else ''. */
  note: string;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Times `fresh` new jits of the W3 step per backend (each call on its own, loss read back),
 * with Loom's default thread count. Run after the W3 benchmark, so Loom's own code is warm.
 */
export function w3FirstCalls(
  backends: readonly LoomBackend[],
  { fresh = 3, later = 2, threads }: { fresh?: number; later?: number; threads: number },
): FirstCallRow[] {
  const task = W3_TASK;
  const { step, initState } = lstmStep(task);
  const init = lstmWeights(task, 3);
  const params = lstmParams(task, init);
  const state = initState(params);
  const { xs, ys } = lstmTensors(task, lstmData(task, 1, 3));
  setLoomThreads(threads);
  return backends.map((backend) => {
    // Asked on a jit of its own, so that the timed ones start cold.
    const note = backendMismatch(jitWith(step, backend), backend, params, state, xs[0], ys[0]);
    if (note !== null) {
      const nan = Number.NaN;
      return {
        workload: 'W3 first call',
        backend,
        firstCallMs: nan,
        stepMs: nan,
        targetMs: nan,
        firstCallsMs: [],
        note,
      };
    }
    const firsts: number[] = [];
    const steady: number[] = [];
    for (let r = 0; r < fresh; r++) {
      const jitted = jitWith(step, backend);
      for (let c = 0; c <= later; c++) {
        const t0 = performance.now();
        jitted(params, state, xs[0], ys[0])[2].item();
        (c === 0 ? firsts : steady).push(performance.now() - t0);
      }
    }
    const stepMs = median(steady);
    return {
      workload: 'W3 first call',
      backend,
      firstCallMs: median(firsts),
      stepMs,
      targetMs: 2 * stepMs + 150,
      firstCallsMs: firsts,
      note: '',
    };
  });
}
