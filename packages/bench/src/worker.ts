// SPDX-License-Identifier: MIT
// One workload in its own worker thread. V8 specializes optimized code to its closure while a
// function has only one; when the same code later runs for another workload (W1's step for W1b,
// its forward pass for W5) it is reoptimized generically, and the hand-written W1 step measured
// 40% slower when it came second. A fresh isolate per workload keeps every result independent
// of the order, while the run stays one process.
import { parentPort, workerData } from 'node:worker_threads';
import { type CompileRow, compileTimes } from './compile_time.js';
import { runWorkload, type TrainingRow, type WorkloadId } from './training.js';

/** Messages from the worker: progress lines, then one result. */
export type WorkerMessage =
  | { log: string }
  | { rows: TrainingRow[]; compile: CompileRow[] }
  | { error: string };

const post = (m: WorkerMessage) => parentPort?.postMessage(m);
const id = (workerData as { workload: WorkloadId }).workload;
try {
  const rows = await runWorkload(id, (log) => post({ log }));
  // Compile time is measured once W2 has run, so it is the cost of tracing and compiling the
  // step, not of V8 warming up Loom's own code.
  const compile = id === 'W2' ? compileTimes() : [];
  post({ rows, compile });
} catch (e) {
  post({ error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
}
