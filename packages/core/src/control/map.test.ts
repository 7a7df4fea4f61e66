import { describe, expect, test } from 'vitest';
import {
  checkGrads,
  InvalidArgumentError,
  jit,
  map,
  ShapeError,
  sum,
  type Tensor,
  tensor,
} from '../index.js';

const f64 = (x: number[] | number[][]) => tensor(x, { dtype: 'float64' });

const rows = [
  [0.1, 0.2, -0.3],
  [0.4, 0.5, 0.6],
  [-0.7, 0.8, 0.9],
  [1.0, -1.1, 1.2],
  [0.3, 0.3, -0.3],
];
// Per row: (sum of sin, the row scaled by its first entry): a tree output.
const f = (r: Tensor) => ({ s: sum(r.sin()), scaled: r.mul(r.slice([0], [1])) });
const refRow = (r: number[]) => ({
  s: r.reduce((a, v) => a + Math.sin(v), 0),
  scaled: r.map((v) => v * r[0]),
});

describe('map (lax.map)', () => {
  test('equals applying f to each leading slice and stacking, for every batchSize', () => {
    for (const batchSize of [undefined, 1, 2, 3, 5, 7]) {
      const out = map(f, f64(rows), { batchSize });
      expect(out.s.shape).toEqual([5]);
      expect(out.scaled.shape).toEqual([5, 3]);
      const s = out.s.data();
      const scaled = out.scaled.toArray() as number[][];
      rows.forEach((r, i) => {
        const want = refRow(r);
        expect(s[i]).toBeCloseTo(want.s, 14);
        want.scaled.forEach((v, j) => {
          expect(scaled[i][j]).toBeCloseTo(v, 14);
        });
      });
    }
  });

  test('maps over a tree of xs and runs as one scan (the IR does not grow with length)', () => {
    const g = (p: { a: Tensor; b: Tensor }) => p.a.mul(p.b).sum();
    const out = map(g, { a: f64(rows), b: f64(rows.map((r) => r.map((v) => v * 2))) });
    out.data().forEach((v, i) => {
      expect(v).toBeCloseTo(
        rows[i].reduce((a, x) => a + 2 * x * x, 0),
        14,
      );
    });
    const jitted = jit((x: Tensor) => map((r: Tensor) => r.exp().sum(), x));
    const got = jitted(f64(rows)).data();
    rows.forEach((r, i) => {
      expect(got[i]).toBeCloseTo(
        r.reduce((a, v) => a + Math.exp(v), 0),
        13,
      );
    });
  });

  test('gradients match finite differences, batched or not', () => {
    const w = f64([0.5, -0.25, 1.5]);
    for (const batchSize of [undefined, 2]) {
      checkGrads(
        (x: Tensor, v: Tensor) => sum(map((r: Tensor) => r.mul(v).tanh().sum(), x, { batchSize })),
        [f64(rows), w],
        { order: 2 },
      );
    }
  });

  test('errors name map and what is wrong', () => {
    expect(() => map(f, f64(rows), { batchSize: 0 })).toThrow(
      /map: batchSize must be a positive integer, got 0/,
    );
    expect(() => map(f, f64(rows), { batch: 2 } as never)).toThrow(InvalidArgumentError);
    expect(() => map(f, null as never)).toThrow(/map: xs has no Tensor leaves/);
    expect(() =>
      map((p: { a: Tensor; b: Tensor }) => p.a, { a: f64(rows), b: f64([[1, 2]]) }),
    ).toThrow(ShapeError);
    expect(() => map(f, 3 as never)).toThrow(/map: xs is number; it must be a Tensor/);
  });
});
