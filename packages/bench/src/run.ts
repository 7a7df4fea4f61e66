// SPDX-License-Identifier: MIT
// `pnpm bench [-- --only ops,w1,w1b,w2,w5,gemm,w3,w4] [--quick]`: prints the tables and writes
// every number to bench-results/results.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { CompileRow } from './compile_time.js';
import { eagerDispatch } from './eager_dispatch.js';
import type { FirstCallRow } from './first_call.js';
import { GEMM_TOLERANCE } from './gemm_bench.js';
import { printTable, type Row } from './harness.js';
import { LSTM_TOLERANCE } from './lstm_bench.js';
import { BenchOptionsError, benchOptions, type Selectable } from './options.js';
import { perExampleGradients } from './per_example_grads.js';
import type { BenchRow } from './suite.js';
import { formatTable } from './table.js';
import { SMALL_WORKLOADS } from './training.js';
import { TRAJECTORY_TOLERANCE } from './trajectory.js';
import type { Task, WorkerMessage } from './worker.js';
import { GEMM_CASES } from './workloads/gemm.js';

const started = Date.now();
const progress = (line: string) => process.stderr.write(`  ${line}\n`);

let options: ReturnType<typeof benchOptions>;
try {
  options = benchOptions(process.argv.slice(2), process.env);
} catch (e) {
  if (!(e instanceof BenchOptionsError)) throw e;
  console.error(e.message);
  process.exit(2);
}
const { only, quick } = options;

type Result = { rows: BenchRow[]; compile: CompileRow[]; firstCall: FirstCallRow[] };

/** Runs one workload in a fresh worker thread (see worker.ts for why). */
function inWorker(task: Task): Promise<Result> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./worker.js', import.meta.url), {
      workerData: { task, quick },
    });
    worker.on('message', (m: WorkerMessage) => {
      if ('log' in m) return progress(m.log);
      void worker.terminate();
      if ('error' in m) reject(new Error(`${JSON.stringify(task)}: ${m.error}`));
      else resolve(m);
    });
    worker.on('error', reject);
  });
}

/** The workers to run, in order, for the selected parts. */
function tasks(): Task[] {
  const list: Task[] = [];
  for (const id of SMALL_WORKLOADS) {
    if (only.has(id.toLowerCase() as Selectable)) list.push({ kind: 'small', id });
  }
  if (only.has('gemm')) {
    for (let index = 0; index < GEMM_CASES.length; index++) list.push({ kind: 'gemm', index });
  }
  if (only.has('w3')) list.push({ kind: 'lstm', id: 'W3' });
  if (only.has('w4')) list.push({ kind: 'lstm', id: 'W4' });
  return list;
}

let micro: Row[] = [];
if (only.has('ops')) {
  progress('operations');
  micro = [...eagerDispatch(), ...perExampleGradients()];
}
const rows: BenchRow[] = [];
const compile: CompileRow[] = [];
const firstCall: FirstCallRow[] = [];
for (const task of tasks()) {
  const result = await inWorker(task);
  rows.push(...result.rows);
  compile.push(...result.compile);
  firstCall.push(...result.firstCall);
}

console.log(
  `\nLoom benchmarks (Node ${process.version}, ${cpus().length}× ${cpus()[0]?.model ?? 'cpu'})` +
    `${quick ? ', QUICK: short repeats, rough numbers' : ''}\n`,
);
if (micro.length > 0) {
  console.log('Operations (median of 5 timed batches after warm-up; ratio = time / first row)\n');
  printTable(micro);
}

const fixed = (x: number) => x.toFixed(x >= 100 ? 0 : x >= 10 ? 1 : 2);
const status = (r: BenchRow) =>
  r.status === 'ok'
    ? 'ok'
    : r.status === 'failed'
      ? `FAILED, time not counted: ${r.detail}`
      : `ERROR: ${r.detail}`;

/** One table of rows: value, ratio to the suite's baseline, GFLOP/s when counted, the check. */
function printRows(title: string, selected: BenchRow[], footnote: string) {
  if (selected.length === 0) return;
  const flops = selected.some((r) => r.gflops !== null);
  console.log(`\n${title}\n`);
  const header = ['workload', 'system', 'value', 'unit', 'ratio', ...(flops ? ['GFLOP/s'] : [])];
  console.log(
    formatTable(
      [...header, 'max Δ', 'check'],
      selected.map((r) => [
        r.workload,
        r.system,
        r.value === null ? '—' : fixed(r.value),
        r.unit,
        r.ratio === null ? '—' : `${r.ratio.toFixed(3)}×`,
        ...(flops ? [r.gflops === null ? '—' : fixed(r.gflops)] : []),
        r.maxDiff === null ? '—' : r.maxDiff.toExponential(1),
        status(r),
      ]),
      flops ? [2, 4, 5, 6] : [2, 4, 5],
    ),
  );
  console.log(footnote);
}

/** How many timed rounds the rows ran: '11', or per workload ('W3 7, W4 3') when they differ. */
function rounds(selected: BenchRow[]): string {
  const byWorkload = new Map<string, number>();
  for (const r of selected)
    if (r.repeatsMs.length > 0) byWorkload.set(r.workload, r.repeatsMs.length);
  const counts = new Set(byWorkload.values());
  if (counts.size <= 1) return String([...counts][0] ?? 0);
  return [...byWorkload].map(([w, n]) => `${w} ${n}`).join(', ');
}

const smallIds = new Set<string>(SMALL_WORKLOADS);
const smallRows = rows.filter((r) => smallIds.has(r.workload));
printRows(
  'Workloads W1, W1b, W2, W5 of BENCHMARKS.md, each in a fresh worker, systems interleaved\n' +
    `(median of ${rounds(smallRows)} timed rounds after warm-up; ratio = median over rounds of\n` +
    'value / hand-written in the same round; losses checked against hand-written to ' +
    `${TRAJECTORY_TOLERANCE})`,
  smallRows,
  '(W1, W1b, W2: throughput, higher is better; W5: latency, lower is better)',
);
const gemmRows = rows.filter((r) => r.workload.startsWith('GEMM'));
printRows(
  'GEMM, float32 C = op(A)·op(B), each size in a fresh worker, systems interleaved\n' +
    `(median of ${rounds(gemmRows)} timed rounds; ratio = median over rounds of GFLOP/s / tfjs wasm\n` +
    'in the same round; max Δ = largest error against float64 relative to Σ|a·b|, must be\n' +
    `below ${GEMM_TOLERANCE})`,
  gemmRows,
  '(GFLOP/s = 2n³ / time; tfjs wasm runs one thread in Node)',
);
const lstmRows = rows.filter((r) => r.workload === 'W3' || r.workload === 'W4');
printRows(
  'W3 char-LSTM and W4 big LSTM, each in a fresh worker, systems interleaved\n' +
    `(median of ${rounds(lstmRows)} timed rounds; ratio = median over rounds of tokens/s / tfjs\n` +
    `wasm in the same round; losses checked against Loom jit js to ${LSTM_TOLERANCE.tolerance}\n` +
    'relative; GFLOP/s counts 3× the forward matmul flops)',
  lstmRows,
  '(throughput, higher is better)',
);

if (compile.length > 0) {
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
}
if (firstCall.length > 0) {
  console.log('\nFirst call of a fresh jit(W3 step) (trace, compile, run) against a steady step\n');
  console.log(
    formatTable(
      ['workload', 'backend', 'first call ms', 'step ms', 'target ms', 'met'],
      firstCall.map((r) => [
        r.workload,
        r.backend,
        r.note ? '—' : r.firstCallMs.toFixed(1),
        r.note ? '—' : r.stepMs.toFixed(1),
        r.note ? '—' : r.targetMs.toFixed(1),
        r.note ? `not measured: ${r.note}` : r.firstCallMs <= r.targetMs ? 'yes' : 'no',
      ]),
      [2, 3, 4],
    ),
  );
  console.log('(target: first call ≤ 2 × step + 150 ms)');
}

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
      only: [...only],
      quick,
      trajectoryTolerance: TRAJECTORY_TOLERANCE,
      lstmTolerance: LSTM_TOLERANCE,
      gemmTolerance: GEMM_TOLERANCE,
      operations: micro,
      workloads: rows,
      compile,
      firstCall,
    },
    null,
    2,
  )}\n`,
);
console.log(`\nwritten to bench-results/results.json (whole run ${seconds.toFixed(0)} s)`);
