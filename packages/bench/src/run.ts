// SPDX-License-Identifier: MIT
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { CompileRow } from './compile_time.js';
import { eagerDispatch } from './eager_dispatch.js';
import { printTable } from './harness.js';
import { perExampleGradients } from './per_example_grads.js';
import { formatTable } from './table.js';
import { type TrainingRow, WORKLOADS, type WorkloadId } from './training.js';
import { TRAJECTORY_TOLERANCE } from './trajectory.js';
import type { WorkerMessage } from './worker.js';

const started = Date.now();
const progress = (line: string) => process.stderr.write(`  ${line}\n`);

/** Runs one workload in a fresh worker thread (see worker.ts for why). */
function inWorker(workload: WorkloadId): Promise<{ rows: TrainingRow[]; compile: CompileRow[] }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./worker.js', import.meta.url), {
      workerData: { workload },
    });
    worker.on('message', (m: WorkerMessage) => {
      if ('log' in m) return progress(m.log);
      void worker.terminate();
      if ('error' in m) reject(new Error(`${workload}: ${m.error}`));
      else resolve(m);
    });
    worker.on('error', reject);
  });
}

progress('operations');
const micro = [...eagerDispatch(), ...perExampleGradients()];
const training: TrainingRow[] = [];
const compile: CompileRow[] = [];
for (const w of WORKLOADS) {
  const result = await inWorker(w);
  training.push(...result.rows);
  compile.push(...result.compile);
}

console.log(
  `\nLoom benchmarks (Node ${process.version}, ${cpus().length}× ${cpus()[0]?.model ?? 'cpu'})\n`,
);
console.log('Operations (median of 5 timed batches after warm-up; ratio = time / first row)\n');
printTable(micro);

const value = (r: TrainingRow) =>
  r.value === null ? '—' : r.value.toFixed(r.unit === 'µs/call' ? 2 : 0);
const status = (r: TrainingRow) =>
  r.status === 'ok'
    ? 'ok'
    : r.status === 'failed'
      ? `FAILED, time not counted: ${r.detail}`
      : `ERROR: ${r.detail}`;
console.log(
  '\nWorkloads of BENCHMARKS.md, each in a fresh worker (median of 3 timed repeats after warm-up;' +
    `\nratio = value / hand-written; losses checked against hand-written to ${TRAJECTORY_TOLERANCE})\n`,
);
console.log(
  formatTable(
    ['workload', 'system', 'value', 'unit', 'ratio', 'max Δ', 'trajectory'],
    training.map((r) => [
      r.workload,
      r.system,
      value(r),
      r.unit,
      r.ratio === null ? '—' : `${r.ratio.toFixed(3)}×`,
      r.maxDiff === null ? '—' : r.maxDiff.toExponential(1),
      status(r),
    ]),
    [2, 4, 5],
  ),
);
console.log('(W1, W1b, W2: throughput, higher is better; W5: latency, lower is better)');

console.log('\nCompile time of jit(W2 step): first call of a fresh jit − steady-state step\n');
console.log(
  formatTable(
    ['workload', 'seq', 'first call ms', 'step ms', 'compile ms'],
    compile.map((r) => [
      r.workload,
      String(r.seqLen),
      r.firstCallMs.toFixed(1),
      r.stepMs.toFixed(1),
      r.compileMs.toFixed(1),
    ]),
    [1, 2, 3, 4],
  ),
);

const seconds = (Date.now() - started) / 1000;
mkdirSync('bench-results', { recursive: true });
writeFileSync(
  'bench-results/results.json',
  `${JSON.stringify(
    {
      date: new Date().toISOString(),
      node: process.version,
      cpu: cpus()[0]?.model,
      cores: cpus().length,
      seconds,
      trajectoryTolerance: TRAJECTORY_TOLERANCE,
      operations: micro,
      workloads: training,
      compile,
    },
    null,
    2,
  )}\n`,
);
console.log(`\nwritten to bench-results/results.json (whole run ${seconds.toFixed(0)} s)`);
