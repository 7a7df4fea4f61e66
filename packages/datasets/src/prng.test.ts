import { fc, test as property } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';
import { deriveSeed, permutation, splitmix32 } from './prng.js';

describe('splitmix32', () => {
  test('pins the first outputs for seed 0 (determinism across runs)', () => {
    const rng = splitmix32(0);
    const first = [rng.nextUint32(), rng.nextUint32(), rng.nextUint32(), rng.nextUint32()];
    expect(first).toEqual([767755985, 1953960596, 2651917168, 1783190355]);
  });

  property.prop([fc.integer(), fc.integer()])('different seeds give different streams', (s, t) => {
    fc.pre(s !== t);
    const a = splitmix32(s);
    const b = splitmix32(t);
    const xs = Array.from({ length: 4 }, () => a.nextUint32());
    const ys = Array.from({ length: 4 }, () => b.nextUint32());
    expect(xs).not.toEqual(ys);
  });

  test('seeds that differ only above bit 32 still differ', () => {
    expect(deriveSeed(1)).not.toBe(deriveSeed(1 + 2 ** 32));
    expect(deriveSeed(-1)).not.toBe(deriveSeed(2 ** 32 - 1));
    expect(deriveSeed(7, 1)).not.toBe(deriveSeed(7, 2));
  });

  property.prop([fc.integer(), fc.integer({ min: 1, max: 2 ** 32 })])(
    'nextInt(n) stays in [0, n)',
    (seed, n) => {
      const rng = splitmix32(seed);
      for (let i = 0; i < 50; i++) {
        const x = rng.nextInt(n);
        expect(Number.isInteger(x) && x >= 0 && x < n).toBe(true);
      }
    },
  );

  test('nextFloat is in [0, 1) and nextNormal is standard normal', () => {
    const rng = splitmix32(123);
    const n = 50_000;
    let sum = 0;
    let sumSq = 0;
    let inRange = true;
    for (let i = 0; i < n; i++) {
      const u = rng.nextFloat();
      inRange &&= u >= 0 && u < 1;
      const z = rng.nextNormal();
      sum += z;
      sumSq += z * z;
    }
    const mean = sum / n;
    expect(inRange).toBe(true);
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.abs(Math.sqrt(sumSq / n - mean * mean) - 1)).toBeLessThan(0.02);
  });

  property.prop([fc.integer(), fc.integer({ min: 0, max: 200 })])(
    'permutation is a permutation',
    (seed, n) => {
      const p = Array.from(permutation(n, splitmix32(seed)));
      expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
    },
  );
});
