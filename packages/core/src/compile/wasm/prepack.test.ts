// Loop-invariant B operands packed once per loop (prepack.ts): which products qualify, and that
// programs using them equal eager execution.
import { afterEach, describe, expect, test, vi } from 'vitest';
import {
  expectClose,
  normal,
  type Rnn,
  rnnAllYs,
  rnnParams,
} from '../../../test/recurrent_cells.js';
import { grad, jit, matmul, scan, sum, type Tensor, tanh } from '../../index.js';

afterEach(() => vi.unstubAllEnvs());

const PREPACK = /^\/\/ p\d+: B \((\d+)×(\d+)\) of a product in a loop, packed once/gm;

function packed<A extends unknown[]>(f: (...a: A) => unknown, args: A) {
  const jitted = jit(f, { backend: 'wasm' });
  const lowered = jitted.lower(...args);
  expect(lowered.backend).toBe('wasm');
  expectClose(jitted(...args), f(...args), 1e-12);
  return [...lowered.source.matchAll(PREPACK)].map((m) => `${m[1]}×${m[2]}`);
}

// H is large enough for the products to be GEMMs, not contractions fused into their consumer.
const [T, B, F, H] = [6, 8, 5, 24];
const xs = normal([T, B, F], 10, 1);

describe('weights packed once per loop', () => {
  test('an RNN gradient packs Wh for the forward loop and Whᵀ for the backward loop', () => {
    expect(packed(grad(rnnAllYs), [rnnParams(F, H), xs] as [Rnn, Tensor])).toEqual([
      `${H}×${H}`,
      `${H}×${H}`,
    ]);
  });

  test('a B that changes every step (a slice of xs, or a carry) is packed per step as before', () => {
    const w = normal([B, H], 3);
    const perStep = (x: Tensor) =>
      sum(scan((c: Tensor, xt: Tensor) => [tanh(matmul(c, xt)), c] as const, w.mul(0.1), x)[0]);
    expect(packed(perStep, [normal([T, H, H], 4)])).toEqual([]);
    const carried = (x: Tensor) =>
      sum(
        scan(
          ([a, m]: [Tensor, Tensor], xt: Tensor) =>
            [[tanh(matmul(a, m)), m.mul(0.9)] as [Tensor, Tensor], xt] as const,
          [w, normal([H, H], 5)] as [Tensor, Tensor],
          x,
        )[0][0],
      );
    expect(packed(carried, [normal([T, 2], 6)])).toEqual([]);
  });
});
