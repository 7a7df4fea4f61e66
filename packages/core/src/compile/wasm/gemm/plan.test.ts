// The blocking of a GEMM: blocks tile the output exactly, and products with few rows still get
// enough work units for the thread pool (split by columns first).
import { fc, test as property } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';
import { MR, planGemm, rowMajorGemm } from './plan.js';

const spec = rowMajorGemm;

describe('planGemm', () => {
  property.prop([
    fc.integer({ min: 1, max: 4 }),
    fc.integer({ min: 1, max: 700 }),
    fc.integer({ min: 1, max: 1100 }),
    fc.integer({ min: 1, max: 600 }),
  ])('blocks cover the output exactly once, whole panels and register rows', (b, m, n, k) => {
    const p = planGemm(spec(b, m, n, k));
    expect(p.nc % p.nr).toBe(0);
    expect(p.mc % MR).toBe(0);
    // Every column and row block starts inside the output and together they reach its end.
    expect((p.colBlocks - 1) * p.nc).toBeLessThan(n);
    expect(p.colBlocks * p.nc).toBeGreaterThanOrEqual(n);
    expect((p.rowBlocks - 1) * p.mc).toBeLessThan(m);
    expect(p.rowBlocks * p.mc).toBeGreaterThanOrEqual(m);
    expect(p.units).toBe(b * p.rowBlocks * p.colBlocks);
    expect(p.tasks * p.unitsPerTask).toBeGreaterThanOrEqual(p.units);
  });

  test("an RNN step's product (16 rows) is split by columns into units for the threads", () => {
    // 16×128·128×512 (an LSTM step): 8 column blocks of 64; 16×512·512×128 (its backward): 4.
    expect(planGemm(spec(1, 16, 512, 128))).toMatchObject({ colBlocks: 8, nc: 64, rowBlocks: 1 });
    expect(planGemm(spec(1, 16, 128, 512))).toMatchObject({ colBlocks: 4, nc: 32, tasks: 4 });
    // Narrow outputs stay whole: no block narrower than 4 panels (32 float32 columns).
    expect(planGemm(spec(1, 16, 40, 64)).colBlocks).toBe(1);
    // Enough units already: columns are split only for cache size.
    expect(planGemm(spec(8, 16, 512, 128)).colBlocks).toBe(2);
  });
});
