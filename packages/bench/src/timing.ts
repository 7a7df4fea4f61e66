// SPDX-License-Identifier: MIT
// Timing as BENCHMARKS.md defines it: after the warm-up (compilation happened during the
// trajectory check, then 20 steps) a fixed number of calls is timed three times and the median
// taken. The number is fixed per system from a calibration run, so that slow and fast systems
// both get repeats long enough to time yet the whole benchmark stays within minutes.

export interface Timing {
  /** Median milliseconds per call. */
  msPerCall: number;
  /** Calls per timed repeat. */
  calls: number;
  /** Milliseconds per call of each repeat. */
  repeats: number[];
}

export interface TimingOptions {
  /** Uncounted calls before calibration (20, BENCHMARKS.md's warm-up). */
  warmup?: number;
  /** Roughly how long each timed repeat should take. */
  targetMs?: number;
  repeats?: number;
}

/**
 * Times `run(i)` with i counting up across all calls. `sync` runs once at the end of each
 * repeat, inside the timed window, to read a result back so no system can defer work past the
 * clock.
 */
export function timeCalls(
  run: (i: number) => void,
  sync: () => void,
  { warmup = 20, targetMs = 1000, repeats = 3 }: TimingOptions = {},
): Timing {
  let i = 0;
  for (let w = 0; w < warmup; w++) run(i++);
  sync();
  // Calibration, not counted: double the batch until it takes long enough to time.
  let n = 1;
  let ms = 0;
  for (;;) {
    const t0 = performance.now();
    for (let c = 0; c < n; c++) run(i++);
    sync();
    ms = performance.now() - t0;
    if (ms >= Math.min(50, targetMs / 4)) break;
    n *= 2;
  }
  const calls = Math.max(1, Math.round((n * targetMs) / ms));
  const times: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    for (let c = 0; c < calls; c++) run(i++);
    sync();
    times.push((performance.now() - t0) / calls);
  }
  const sorted = [...times].sort((a, b) => a - b);
  return { msPerCall: sorted[Math.floor(sorted.length / 2)], calls, repeats: times };
}
