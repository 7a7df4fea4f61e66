// SPDX-License-Identifier: MIT
// The order of calls, not their durations: the clock is only read, never asserted on.
import { describe, expect, it } from 'vitest';
import { type Contender, medianRoundRatio, timeInterleaved } from './timing.js';

/** A contender that records what ran, tagged with its name. */
function recorder(name: string, log: string[]): Contender {
  return {
    run: (i) => log.push(`${name}${i}`),
    sync: () => log.push(`${name}.sync`),
    prepare: () => void log.push(`${name}.prepare`),
  };
}

describe('timeInterleaved', () => {
  it('warms every system, then alternates their timed repeats A B A B', async () => {
    const log: string[] = [];
    const timings = await timeInterleaved([recorder('a', log), recorder('b', log)], {
      warmup: 2,
      fixedCalls: 3,
      repeats: 2,
    });
    expect(log).toEqual([
      ...['a.prepare', 'a0', 'a1', 'a.sync', 'b.prepare', 'b0', 'b1', 'b.sync'],
      ...['a.prepare', 'a2', 'a3', 'a4', 'a.sync', 'b.prepare', 'b2', 'b3', 'b4', 'b.sync'],
      ...['a.prepare', 'a5', 'a6', 'a7', 'a.sync', 'b.prepare', 'b5', 'b6', 'b7', 'b.sync'],
    ]);
    expect(timings.map((t) => [t.calls, t.repeats.length])).toEqual([
      [3, 2],
      [3, 2],
    ]);
    for (const t of timings) expect(t.msPerCall).toBe([...t.repeats].sort((x, y) => x - y)[1]);
  });

  it('calibrates each system on its own so that a repeat lasts about targetMs', async () => {
    // A simulated clock: a call of system a takes 4 ms, of b 1 ms, of c 300 ms.
    let now = 0;
    const costing = (ms: number): Contender => ({
      run() {
        now += ms;
      },
      sync() {},
    });
    const timings = await timeInterleaved([costing(4), costing(1), costing(300)], {
      warmup: 0,
      targetMs: 200,
      repeats: 3,
      clock: () => now,
    });
    // Doubling stops at 50 ms (16 calls of 4 ms, 64 of 1 ms, 1 of 300 ms), then scales to 200.
    expect(timings.map((t) => t.calls)).toEqual([50, 200, 1]);
    expect(timings.map((t) => t.msPerCall)).toEqual([4, 1, 300]);
    expect(timings.map((t) => t.repeats)).toEqual([
      [4, 4, 4],
      [1, 1, 1],
      [300, 300, 300],
    ]);
  });
});

describe('medianRoundRatio', () => {
  it('takes the median of the per-round ratios, not the ratio of medians', () => {
    // Round 2 is busy for both: 10 against 6. Per round: 2, 1.67, 2.33.
    const loom = [20, 10, 21];
    const tfjs = [10, 6, 9];
    expect(medianRoundRatio(loom, tfjs)).toBe(2);
    // The medians (20 and 9) come from different rounds; their ratio would read 2.22.
    expect(medianRoundRatio(tfjs, tfjs)).toBe(1);
  });
  it('is NaN when the rounds do not pair up', () => {
    expect(medianRoundRatio([1, 2], [1])).toBeNaN();
    expect(medianRoundRatio([], [])).toBeNaN();
  });
});
