// SPDX-License-Identifier: MIT
// One workload, every system: each is built and checked (its time only counts if it computes
// the same thing), then all that passed are timed together, interleaved (timing.ts), and one
// row per system reports its throughput or latency and its ratio to the baseline system.
import * as tf from '@tensorflow/tfjs';
import { type Contender, medianRoundRatio, type TimingOptions, timeInterleaved } from './timing.js';
import type { CheckResult } from './trajectory.js';
import { setLoomThreads } from './workloads/loom_backend.js';
import { type TfBackend, useTfBackend } from './workloads/tfjs_backend.js';

/** One system of a workload, built and ready to check and time. */
export interface Candidate extends Contender {
  /**
   * Runs the check from the initial state and returns what is compared: per-step losses,
   * outputs, or a GEMM's error against float64. It also compiles and warms the system.
   */
  checkValues(): number[];
  /** Frees what cannot be garbage-collected (TensorFlow.js tensors). */
  dispose(): void;
}

export interface SystemSpec {
  name: string;
  /** Loom's thread count while this system runs (set before it is built and each repeat). */
  threads?: number;
  /** The TensorFlow.js backend it runs on (selected before it is built and each repeat). */
  tfBackend?: TfBackend;
  /** Builds the system; a string instead says why it cannot run here. */
  make(): Candidate | string;
}

export interface Suite {
  workload: string;
  unit: string;
  /** Whether a larger value is better (throughput) or worse (latency). */
  higherIsBetter: boolean;
  /** The systems in order; the first is the reference of the check when `judge` uses one. */
  systems: readonly SystemSpec[];
  /** Whether the check passed; `reference` is the first system's values (null for itself). */
  judge(values: number[], reference: number[] | null): CheckResult;
  /** The system every ratio divides by. */
  baseline: string;
  /** Throughput or latency from milliseconds per call. */
  value(msPerCall: number): number;
  /** Achieved GFLOP/s from milliseconds per call, for workloads that count flops. */
  gflops?(msPerCall: number): number;
  timing: TimingOptions;
}

export interface BenchRow {
  workload: string;
  system: string;
  unit: string;
  higherIsBetter: boolean;
  /** Throughput (or latency); null when the system failed its check or could not run. */
  value: number | null;
  /** The median over timed rounds of value / the baseline's value in the same round. */
  ratio: number | null;
  baseline: string;
  gflops: number | null;
  /** 'ok'; 'failed': it computes something else, so its time does not count; 'error': did not run. */
  status: 'ok' | 'failed' | 'error';
  /** What was checked, or why it failed. */
  detail: string;
  /** The check's largest difference (relative above the tolerance's floor). */
  maxDiff: number | null;
  /** Calls per timed repeat, and milliseconds per call of each repeat in the order they ran. */
  calls: number;
  repeatsMs: number[];
}

const firstLine = (e: unknown) => (e instanceof Error ? e.message.split('\n')[0] : String(e));

/** Puts Loom's threads and TensorFlow.js's backend where `spec` wants them; null or why not. */
async function enter(spec: SystemSpec): Promise<string | null> {
  if (spec.threads !== undefined) setLoomThreads(spec.threads);
  if (spec.tfBackend === undefined) return null;
  const unavailable = await useTfBackend(spec.tfBackend);
  return unavailable === null ? null : `backend unavailable: ${unavailable}`;
}

/** Checks every system, times those that passed interleaved, and returns one row per system. */
export async function runSuite(suite: Suite, log: (line: string) => void): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const timed: { row: BenchRow; candidate: Candidate }[] = [];
  let reference: number[] | null = null;
  for (const [index, spec] of suite.systems.entries()) {
    const row: BenchRow = {
      workload: suite.workload,
      system: spec.name,
      unit: suite.unit,
      higherIsBetter: suite.higherIsBetter,
      value: null,
      ratio: null,
      baseline: suite.baseline,
      gflops: null,
      status: 'error',
      detail: '',
      maxDiff: null,
      calls: 0,
      repeatsMs: [],
    };
    rows.push(row);
    let candidate: Candidate | null = null;
    try {
      const unavailable = await enter(spec);
      const made = unavailable ?? spec.make();
      if (typeof made === 'string') {
        row.detail = made;
      } else {
        candidate = made;
        const values = candidate.checkValues();
        const check = suite.judge(values, index === 0 ? null : reference);
        if (index === 0) reference = values;
        row.maxDiff = check.maxDiff;
        row.detail = check.detail;
        row.status = check.ok ? 'ok' : 'failed';
      }
    } catch (e) {
      row.status = 'error';
      row.detail = firstLine(e);
    }
    if (candidate && row.status === 'ok') timed.push({ row, candidate });
    else candidate?.dispose();
    log(`${suite.workload} ${spec.name}: checked, ${row.status} ${row.detail}`);
  }

  const specOf = (row: BenchRow) => suite.systems.find((s) => s.name === row.system)!;
  const usesTf = timed.some(({ row }) => specOf(row).tfBackend !== undefined);
  const tensorsBefore = usesTf ? tf.memory().numTensors : 0;
  let leaked = 0;
  try {
    const timings = await timeInterleaved(
      timed.map(({ row, candidate }) => ({
        run: (i) => candidate.run(i),
        sync: () => candidate.sync(),
        async prepare() {
          const spec = specOf(row);
          const moved = spec.tfBackend !== undefined && tf.getBackend() !== spec.tfBackend;
          await enter(spec);
          // Switching TensorFlow.js's backend moves each tensor on its next use: do that now.
          if (moved) {
            candidate.run(0);
            candidate.sync();
          }
        },
      })),
      suite.timing,
    );
    timings.forEach((t, c) => {
      const row = timed[c].row;
      row.value = suite.value(t.msPerCall);
      row.gflops = suite.gflops ? suite.gflops(t.msPerCall) : null;
      row.calls = t.calls;
      row.repeatsMs = t.repeats;
    });
    // Each system holds a fixed set of tensors; any more were leaked while timed.
    leaked = usesTf ? tf.memory().numTensors - tensorsBefore : 0;
  } catch (e) {
    for (const { row } of timed) {
      row.status = 'error';
      row.detail = `while timed: ${firstLine(e)}`;
    }
  } finally {
    for (const { candidate } of timed) candidate.dispose();
  }
  if (leaked > 0) {
    for (const { row } of timed) {
      if (specOf(row).tfBackend !== undefined) row.detail += `; ${leaked} tensors leaked`;
    }
  }
  const base = rows.find((r) => r.system === suite.baseline && r.value !== null);
  const values = (r: BenchRow) => r.repeatsMs.map((ms) => suite.value(ms));
  for (const r of rows) {
    r.ratio = base && r.value !== null ? medianRoundRatio(values(r), values(base)) : null;
  }
  for (const r of rows) log(`${r.workload} ${r.system}: ${r.status} ${r.value ?? ''} ${r.unit}`);
  return rows;
}
