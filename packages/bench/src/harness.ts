// SPDX-License-Identifier: MIT
import { formatTable } from './table.js';

/** Runs `fn` in timed batches after a warm-up and returns the median time per call in µs. */
export function measure(
  fn: () => void,
  { warmup = 200, minBatchMs = 50, repeats = 5 } = {},
): number {
  for (let i = 0; i < warmup; i++) fn();
  // Calibrate a batch size long enough for the timer's resolution.
  let n = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) fn();
    if (performance.now() - t0 >= minBatchMs) break;
    n *= 2;
  }
  const samples: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) fn();
    samples.push(((performance.now() - t0) * 1000) / n);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

export interface Row {
  workload: string;
  system: string;
  microseconds: number;
  ratio: number;
}

/** Prints rows as an aligned table (ratio = time / baseline time; lower is better). */
export function printTable(rows: Row[]): void {
  const header = ['workload', 'system', 'µs/call', 'ratio to baseline'];
  const cells = rows.map((r) => [
    r.workload,
    r.system,
    r.microseconds.toFixed(2),
    `${r.ratio.toFixed(2)}×`,
  ]);
  console.log(formatTable(header, cells, [2, 3]));
}
