// SPDX-License-Identifier: MIT
// W1, W1b, W2 and W5 of BENCHMARKS.md: the hand-written step is the reference of the trajectory
// check and the denominator of every ratio.
import { predictorCandidate, trainerCandidate } from './candidates.js';
import type { Suite, SystemSpec } from './suite.js';
import { compareValues } from './trajectory.js';
import type { Predictor, Trainer } from './workloads/system.js';
import type { TfBackend } from './workloads/tfjs_backend.js';
import { adderData, adderWeights } from './workloads/w1_adder.js';
import { handAdderPredictor, handAdderTrainer } from './workloads/w1_hand.js';
import { loomAdderPredictor, loomAdderTrainer } from './workloads/w1_loom.js';
import { tfAdderPredictor, tfAdderTrainer } from './workloads/w1_tfjs.js';
import { handSineSquareTrainer } from './workloads/w2_hand.js';
import { loomSineSquareTrainer } from './workloads/w2_loom.js';
import { sineSquareData, sineSquareWeights } from './workloads/w2_sine_square.js';
import { tfSineSquareTrainer } from './workloads/w2_tfjs.js';

export type SmallWorkload = 'W1' | 'W1b' | 'W2' | 'W5';
export const SMALL_WORKLOADS: readonly SmallWorkload[] = ['W1', 'W1b', 'W2', 'W5'];

type SystemName =
  | 'hand-written'
  | 'Loom eager'
  | 'Loom jit'
  | 'Loom jit js'
  | 'tfjs cpu'
  | 'tfjs wasm';
/** In order; the hand-written system comes first because it is every check's reference. */
const SYSTEMS: readonly { name: SystemName; tfBackend?: TfBackend }[] = [
  { name: 'hand-written' },
  { name: 'Loom eager' },
  // 'auto' (what users get: WebAssembly wherever it runs), and the JavaScript lowering forced.
  { name: 'Loom jit' },
  { name: 'Loom jit js' },
  { name: 'tfjs cpu', tfBackend: 'cpu' },
  { name: 'tfjs wasm', tfBackend: 'wasm' },
];

/** Seeds for weights and data (W2's is the seed's number in BENCHMARKS.md, 004). */
const W1_SEED = 1;
const W2_SEED = 4;

function loom(system: SystemName): { jit: boolean; backend?: 'js' } {
  if (system === 'Loom eager') return { jit: false };
  return system === 'Loom jit js' ? { jit: true, backend: 'js' } : { jit: true };
}

function specs(
  build: (system: SystemName) => Trainer | Predictor,
  checks: number,
): readonly SystemSpec[] {
  return SYSTEMS.map(({ name, tfBackend }) => ({
    name,
    tfBackend,
    make() {
      const s = build(name);
      return 'step' in s ? trainerCandidate(s, checks) : predictorCandidate(s, checks);
    },
  }));
}

/** The workload's suite, its weights and data generated once for all systems. */
export function smallWorkload(id: SmallWorkload, quick: boolean): Suite {
  const timing = { warmup: 20, targetMs: quick ? 150 : 1000, repeats: 3 };
  const base = {
    workload: id,
    baseline: 'hand-written',
    higherIsBetter: true,
    timing,
  };
  const judge = (what: string) => (values: number[], reference: number[] | null) =>
    reference === null
      ? { ok: values.every(Number.isFinite), maxDiff: 0, detail: 'reference' }
      : compareValues(values, reference, what);
  if (id === 'W2') {
    const init = sineSquareWeights(W2_SEED);
    const data = sineSquareData(32, W2_SEED);
    return {
      ...base,
      unit: 'samples/s',
      value: (ms) => (16 * 1000) / ms,
      judge: judge('steps'),
      systems: specs((system) => {
        if (system === 'hand-written') return handSineSquareTrainer(init, data);
        if (system.startsWith('Loom')) return loomSineSquareTrainer(init, data, loom(system));
        return tfSineSquareTrainer(init, data);
      }, 10),
    };
  }
  const init = adderWeights(W1_SEED);
  const data = adderData(id === 'W1b' ? 64 : 1, 64, W1_SEED);
  if (id === 'W5') {
    return {
      ...base,
      unit: 'µs/call',
      higherIsBetter: false,
      value: (ms) => ms * 1000,
      judge: judge('outputs'),
      systems: specs((system) => {
        if (system === 'hand-written') return handAdderPredictor(init, data);
        if (system.startsWith('Loom')) return loomAdderPredictor(init, data, loom(system));
        return tfAdderPredictor(init, data);
      }, 20),
    };
  }
  return {
    ...base,
    unit: id === 'W1' ? 'steps/s' : 'samples/s',
    value: (ms) => (data.batch * 1000) / ms,
    judge: judge('steps'),
    systems: specs((system) => {
      if (system === 'hand-written') return handAdderTrainer(init, data);
      if (system.startsWith('Loom')) return loomAdderTrainer(init, data, loom(system));
      return tfAdderTrainer(init, data);
    }, 50),
  };
}
