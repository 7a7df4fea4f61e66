// SPDX-License-Identifier: MIT
// One workload in its own worker thread, all its systems timed interleaved inside it.
// Why a worker per workload: V8 specializes optimized code to its closure while a function has
// only one; when the same code later runs for another workload (W1's step for W1b, its forward
// pass for W5) it is reoptimized generically, and the hand-written W1 step measured 40% slower
// when it came second. A fresh isolate per workload keeps every result independent of the order.
// Why not a worker per system: the systems of a workload are compared by ratio, and the ratio
// is only robust to the shared machine's load if their repeats alternate in the same few
// seconds (timing.ts); separate workers run one after the other, which is back to back again.
import { parentPort, workerData } from 'node:worker_threads';
import { type CompileRow, compileTimes } from './compile_time.js';
import { type FirstCallRow, w3FirstCalls } from './first_call.js';
import { gemmSuite } from './gemm_bench.js';
import { lstmSuite } from './lstm_bench.js';
import { type BenchRow, runSuite, type Suite } from './suite.js';
import { type SmallWorkload, smallWorkload } from './training.js';
import { GEMM_CASES } from './workloads/gemm.js';
import { loomThreads } from './workloads/loom_backend.js';

/** What one worker runs. */
export type Task =
  | { kind: 'small'; id: SmallWorkload }
  | { kind: 'lstm'; id: 'W3' | 'W4' }
  | { kind: 'gemm'; index: number };

export interface WorkerInput {
  task: Task;
  quick: boolean;
}

/** Messages from the worker: progress lines, then one result. */
export type WorkerMessage =
  | { log: string }
  | { rows: BenchRow[]; compile: CompileRow[]; firstCall: FirstCallRow[] }
  | { error: string };

function suiteOf({ task, quick }: WorkerInput): Suite {
  if (task.kind === 'small') return smallWorkload(task.id, quick);
  if (task.kind === 'lstm') return lstmSuite(task.id, quick);
  return gemmSuite(GEMM_CASES[task.index], quick);
}

const post = (m: WorkerMessage) => parentPort?.postMessage(m);
const input = workerData as WorkerInput;
try {
  // Loom's default thread count, before any system changes it.
  const threads = loomThreads();
  const rows = await runSuite(suiteOf(input), (log) => post({ log }));
  const { task, quick } = input;
  // Compile and first-call times are measured once the workload has run, so they are the cost
  // of tracing and compiling the step, not of V8 warming up Loom's own code.
  const compile = task.kind === 'small' && task.id === 'W2' ? compileTimes() : [];
  const firstCall =
    task.kind === 'lstm' && task.id === 'W3'
      ? w3FirstCalls(['js', 'wasm'], { fresh: quick ? 1 : 3, threads })
      : [];
  post({ rows, compile, firstCall });
} catch (e) {
  post({ error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
}
