// SPDX-License-Identifier: MIT
// W1, W1b, W2 and W5 of BENCHMARKS.md for every system: the trajectory check against the
// hand-written step, then timing; one row per (workload, system).
import * as tf from '@tensorflow/tfjs';
import { timeCalls } from './timing.js';
import { compareValues, lossTrajectory, predictions } from './trajectory.js';
import type { Predictor, Trainer } from './workloads/system.js';
import { type TfBackend, useTfBackend } from './workloads/tfjs_backend.js';
import { adderData, adderWeights } from './workloads/w1_adder.js';
import { handAdderPredictor, handAdderTrainer } from './workloads/w1_hand.js';
import { loomAdderPredictor, loomAdderTrainer } from './workloads/w1_loom.js';
import { tfAdderPredictor, tfAdderTrainer } from './workloads/w1_tfjs.js';
import { handSineSquareTrainer } from './workloads/w2_hand.js';
import { loomSineSquareTrainer } from './workloads/w2_loom.js';
import { sineSquareData, sineSquareWeights } from './workloads/w2_sine_square.js';
import { tfSineSquareTrainer } from './workloads/w2_tfjs.js';

export type SystemName = 'hand-written' | 'Loom eager' | 'Loom jit' | 'tfjs cpu' | 'tfjs wasm';

/** In order; the hand-written system comes first because it is every check's reference. */
export const SYSTEMS: readonly SystemName[] = [
  'hand-written',
  'Loom eager',
  'Loom jit',
  'tfjs cpu',
  'tfjs wasm',
];

export type WorkloadId = 'W1' | 'W1b' | 'W2' | 'W5';
export const WORKLOADS: readonly WorkloadId[] = ['W1', 'W1b', 'W2', 'W5'];

export interface TrainingRow {
  workload: WorkloadId;
  system: SystemName;
  unit: 'steps/s' | 'samples/s' | 'µs/call';
  /** Throughput (W5: latency); null when the system failed its check or could not run. */
  value: number | null;
  /** value / the hand-written value (for W5's latency, lower is better). */
  ratio: number | null;
  /** 'ok'; 'failed': its trajectory differs, so its time does not count; 'error': did not run. */
  status: 'ok' | 'failed' | 'error';
  /** What was checked, or why it failed. */
  detail: string;
  /** Largest difference from the hand-written losses (W5: outputs), relative above 1. */
  maxDiff: number | null;
  /** Calls per timed repeat, and milliseconds per call in each of the 3 repeats. */
  calls: number;
  repeatsMs: number[];
}

const BACKENDS: Partial<Record<SystemName, TfBackend>> = { 'tfjs cpu': 'cpu', 'tfjs wasm': 'wasm' };

type Kind = { train: (s: SystemName) => Trainer } | { predict: (s: SystemName) => Predictor };

interface Workload {
  unit: TrainingRow['unit'];
  /** Examples per step, to turn steps/s into samples/s. */
  samples: number;
  /** Steps (W5: inputs) compared in the trajectory check. */
  checks: number;
  make: Kind;
}

/** Seeds for weights and data (W2's is the seed's number in BENCHMARKS.md, 004). */
const W1_SEED = 1;
const W2_SEED = 4;

/** The workload's definition, its weights and data generated once for all systems. */
function workload(id: WorkloadId): Workload {
  if (id === 'W2') {
    const init = sineSquareWeights(W2_SEED);
    const data = sineSquareData(32, W2_SEED);
    return {
      unit: 'samples/s',
      samples: 16,
      checks: 10,
      make: {
        train: (system) => {
          if (system === 'hand-written') return handSineSquareTrainer(init, data);
          if (system === 'Loom eager' || system === 'Loom jit')
            return loomSineSquareTrainer(init, data, { jit: system === 'Loom jit' });
          return tfSineSquareTrainer(init, data);
        },
      },
    };
  }
  const init = adderWeights(W1_SEED);
  const data = adderData(id === 'W1b' ? 64 : 1, 64, W1_SEED);
  const jit = (system: SystemName) => ({ jit: system === 'Loom jit' });
  if (id === 'W5') {
    return {
      unit: 'µs/call',
      samples: 1,
      checks: 20,
      make: {
        predict: (system) => {
          if (system === 'hand-written') return handAdderPredictor(init, data);
          if (system === 'Loom eager' || system === 'Loom jit')
            return loomAdderPredictor(init, data, jit(system));
          return tfAdderPredictor(init, data);
        },
      },
    };
  }
  return {
    unit: id === 'W1' ? 'steps/s' : 'samples/s',
    samples: data.batch,
    checks: 50,
    make: {
      train: (system) => {
        if (system === 'hand-written') return handAdderTrainer(init, data);
        if (system === 'Loom eager' || system === 'Loom jit')
          return loomAdderTrainer(init, data, jit(system));
        return tfAdderTrainer(init, data);
      },
    },
  };
}

/** Runs the check, then (if it passed) the timing of one system; fills in `row`. */
function measure(w: Workload, row: TrainingRow, reference: number[] | null): number[] {
  const system = row.system;
  const tfjs = BACKENDS[system] !== undefined;
  const s = 'train' in w.make ? w.make.train(system) : w.make.predict(system);
  try {
    const trajectory = 'step' in s ? lossTrajectory(s, w.checks) : predictions(s, w.checks);
    const check = reference
      ? compareValues(trajectory, reference, 'step' in s ? 'steps' : 'outputs')
      : { ok: true, maxDiff: 0, detail: 'reference' };
    row.maxDiff = check.maxDiff;
    row.detail = check.detail;
    if (!check.ok) {
      row.status = 'failed';
      return trajectory;
    }
    const tensors = tfjs ? tf.memory().numTensors : 0;
    const timing =
      'step' in s
        ? timeCalls(
            (i) => s.step(i),
            () => s.loss(),
          )
        : timeCalls(
            (i) => s.predict(i),
            () => {},
          );
    const leaked = tfjs ? tf.memory().numTensors - tensors : 0;
    if (leaked > 0) row.detail += `; leaked ${leaked} tensors while timed`;
    row.status = 'ok';
    row.value =
      w.unit === 'µs/call' ? timing.msPerCall * 1000 : (w.samples * 1000) / timing.msPerCall;
    row.calls = timing.calls;
    row.repeatsMs = timing.repeats;
    return trajectory;
  } finally {
    s.dispose();
  }
}

/** Every system on one workload: the hand-written one first, as the reference. */
export async function runWorkload(
  id: WorkloadId,
  log: (line: string) => void,
): Promise<TrainingRow[]> {
  const w = workload(id);
  const rows: TrainingRow[] = [];
  let reference: number[] | null = null;
  for (const system of SYSTEMS) {
    const row: TrainingRow = {
      workload: id,
      system,
      unit: w.unit,
      value: null,
      ratio: null,
      status: 'error',
      detail: '',
      maxDiff: null,
      calls: 0,
      repeatsMs: [],
    };
    rows.push(row);
    const backend = BACKENDS[system];
    const unavailable = backend ? await useTfBackend(backend) : null;
    if (unavailable !== null) {
      row.detail = `backend unavailable: ${unavailable}`;
    } else if (system !== 'hand-written' && reference === null) {
      row.detail = 'no hand-written reference to check against';
    } else {
      try {
        const trajectory = measure(w, row, reference);
        if (system === 'hand-written') reference = trajectory;
      } catch (e) {
        row.status = 'error';
        row.detail = e instanceof Error ? e.message.split('\n')[0] : String(e);
      }
    }
    log(`${id} ${system}: ${row.status} ${row.value?.toFixed(1) ?? ''} ${row.unit}`);
  }
  const hand = rows[0].value;
  for (const r of rows) r.ratio = hand !== null && r.value !== null ? r.value / hand : null;
  return rows;
}
