// SPDX-License-Identifier: MIT
// Timing as BENCHMARKS.md defines it (warm-up, then the median of timed repeats), with the
// systems of one workload interleaved: A B C A B C ... On a shared machine the load changes from
// second to second; timed back to back, a change between two systems' repeats lands in their
// ratio (the same W1 ratio read 0.93× in one run and 1.96× in the next). Interleaved, every
// system sees the same mix of quiet and busy seconds, and ratios are taken round by round.

export interface Timing {
  /** Median milliseconds per call. */
  msPerCall: number;
  /** Calls per timed repeat. */
  calls: number;
  /** Milliseconds per call of each repeat, in the order they ran. */
  repeats: number[];
}

/** One system as the timing loop sees it. */
export interface Contender {
  /** Runs call `i` (a training step, a forward pass, a matrix product); i counts up. */
  run(i: number): void;
  /**
   * Reads a result back to the host. It runs at the end of every repeat, inside the timed
   * window, so no system can defer work past the clock.
   */
  sync(): void;
  /**
   * Runs before each of this system's repeats, outside the timed window: selects its thread
   * count or TensorFlow.js backend (and, if that moved data, runs an untimed call).
   */
  prepare?(): Promise<void> | void;
}

export interface TimingOptions {
  /** Uncounted calls per system before calibration (20, BENCHMARKS.md's warm-up). */
  warmup?: number;
  /** Roughly how long each timed repeat should take. */
  targetMs?: number;
  /** Timed repeats per system. */
  repeats?: number;
  /** Calls per repeat, skipping calibration (for steps that take seconds). */
  fixedCalls?: number;
  /** Milliseconds now (performance.now; tests pass a simulated clock). */
  clock?: () => number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * The median over rounds of `values[r] / baseline[r]`: each round's two repeats ran seconds
 * apart, so a busy stretch that slows both cancels in their ratio, where it would move one
 * system's median but not the other's. NaN when the rounds do not pair up.
 */
export function medianRoundRatio(values: readonly number[], baseline: readonly number[]): number {
  if (values.length === 0 || values.length !== baseline.length) return Number.NaN;
  return median(values.map((v, r) => v / baseline[r]));
}

/**
 * Times every contender: each is warmed up and calibrated on its own (so that each of its
 * repeats takes about `targetMs`), then the timed repeats go round-robin over the contenders.
 * Returns one Timing per contender, in order.
 */
export async function timeInterleaved(
  contenders: readonly Contender[],
  {
    warmup = 20,
    targetMs = 1000,
    repeats = 3,
    fixedCalls,
    clock = () => performance.now(),
  }: TimingOptions = {},
): Promise<Timing[]> {
  const next = contenders.map(() => 0);
  const batch = async (c: number, calls: number): Promise<number> => {
    const s = contenders[c];
    await s.prepare?.();
    const t0 = clock();
    for (let k = 0; k < calls; k++) s.run(next[c]++);
    s.sync();
    return clock() - t0;
  };
  const calls: number[] = [];
  for (let c = 0; c < contenders.length; c++) {
    if (warmup > 0) await batch(c, warmup);
    if (fixedCalls !== undefined) {
      calls.push(fixedCalls);
      continue;
    }
    // Calibration, not counted: double the batch until it is long enough to time.
    let n = 1;
    let ms = await batch(c, n);
    while (ms < Math.min(50, targetMs / 4)) {
      n *= 2;
      ms = await batch(c, n);
    }
    calls.push(Math.max(1, Math.round((n * targetMs) / Math.max(ms, 1e-3))));
  }
  const times: number[][] = contenders.map(() => []);
  for (let r = 0; r < repeats; r++) {
    for (let c = 0; c < contenders.length; c++) {
      times[c].push((await batch(c, calls[c])) / calls[c]);
    }
  }
  return times.map((t, c) => ({ msPerCall: median(t), calls: calls[c], repeats: t }));
}
