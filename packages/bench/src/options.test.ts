// SPDX-License-Identifier: MIT
import { describe, expect, it } from 'vitest';
import { BenchOptionsError, benchOptions, SELECTABLE } from './options.js';

describe('benchOptions', () => {
  it('runs everything at full length by default', () => {
    const o = benchOptions([], {});
    expect([...o.only].sort()).toEqual([...SELECTABLE].sort());
    expect(o.quick).toBe(false);
  });

  it('reads --only in either form, case-insensitively, past pnpm’s "--"', () => {
    expect([...benchOptions(['--', '--only', 'GEMM,w3'], {}).only]).toEqual(['gemm', 'w3']);
    expect([...benchOptions(['--only=w1b'], {}).only]).toEqual(['w1b']);
  });

  it('takes BENCH_ONLY and BENCH_QUICK from the environment, the command line first', () => {
    const o = benchOptions([], { BENCH_ONLY: 'w4', BENCH_QUICK: '1' });
    expect([...o.only]).toEqual(['w4']);
    expect(o.quick).toBe(true);
    expect([...benchOptions(['--only', 'ops'], { BENCH_ONLY: 'w4' }).only]).toEqual(['ops']);
    expect(benchOptions([], { BENCH_QUICK: '0' }).quick).toBe(false);
    expect(benchOptions(['--quick'], {}).quick).toBe(true);
  });

  it('names the valid parts when a name is unknown', () => {
    expect(() => benchOptions(['--only', 'gemm,w6'], {})).toThrow(BenchOptionsError);
    expect(() => benchOptions(['--only', 'gemm,w6'], {})).toThrow(
      "bench: --only got unknown part 'w6'; the parts are ops, w1, w1b, w2, w5, w3, w4, gemm.",
    );
    expect(() => benchOptions(['--only'], {})).toThrow('bench: --only needs a list.');
    expect(() => benchOptions(['--only', ','], {})).toThrow('at least one part');
    expect(() => benchOptions(['--fast'], {})).toThrow("unknown argument '--fast'");
  });
});
