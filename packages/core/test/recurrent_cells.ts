// SPDX-License-Identifier: MIT
// Recurrent cells written with core ops, for the compiler's loop tests (core cannot import
// @loom/nn, which depends on it): a tanh RNN, an LSTM and a GRU over xs [T, B, F], each reduced
// to a scalar loss, with float64 parameters; and checks for their jitted gradients.
import { expect } from 'vitest';
import {
  matmul,
  random,
  type ScanOptions,
  scan,
  sigmoid,
  split,
  sum,
  type Tensor,
  tanh,
  tree,
  zeros,
} from '../src/index.js';
import { pool } from '../src/runtime/pool.js';
import { type DType, isFloat } from '../src/tensor/dtype.js';

const keys = random.split(random.key(7), 40);

/** A float64 normal sample of `shape` from fixed key `i` (0-39), times `scale`. */
export const normal = (shape: number[], i: number, scale = 0.5) =>
  random.normal(keys[i], shape).mul(scale).astype('float64');

/** `args` with every float leaf cast to `dtype`. */
export const cast = <A>(args: A, dtype: DType): A =>
  tree.map((t: Tensor) => (isFloat(t.dtype) ? t.astype(dtype) : t), args) as A;

/** Every leaf of `got` equals `want`'s: exactly for integers and booleans, else to rtol of scale. */
export function expectClose(got: unknown, want: unknown, rtol: number) {
  const [g, w] = [tree.leaves<Tensor>(got), tree.leaves<Tensor>(want)];
  expect(g.length).toBe(w.length);
  g.forEach((a, i) => {
    expect(a.shape).toEqual(w[i].shape);
    expect(a.dtype).toBe(w[i].dtype);
    const [x, y] = [Array.from(a.data(), Number), Array.from(w[i].data(), Number)];
    if (!isFloat(a.dtype)) {
      expect(x).toEqual(y);
    } else {
      const scale = Math.max(1, ...y.map(Math.abs));
      const err = Math.max(0, ...x.map((v, k) => Math.abs(v - y[k])));
      expect(err / scale, `leaf ${i}`).toBeLessThan(rtol);
    }
  });
}

export type Rnn = { wx: Tensor; wh: Tensor; b: Tensor };

/** Parameters for F inputs and H hidden units (4H or 3H wide for the LSTM and GRU). */
export const rnnParams = (f: number, h: number, k = 0, width = h): Rnn => ({
  wx: normal([f, width], k),
  wh: normal([h, width], k + 1),
  b: normal([width], k + 2),
});

export const rnnCell = (p: Rnn) => (h: Tensor, x: Tensor) => {
  const next = tanh(matmul(x, p.wx).add(matmul(h, p.wh)).add(p.b));
  return [next, next] as const;
};
export const h0 = (p: { wh: Tensor }, xs: Tensor) => zeros([xs.shape[1], p.wh.shape[0]], xs.dtype);
export const rnnFinal = (p: Rnn, xs: Tensor) => sum(scan(rnnCell(p), h0(p, xs), xs)[0]);
export const squares = ([, ys]: readonly [unknown, Tensor]) => sum(ys.mul(ys));
export const rnnAllYs = (p: Rnn, xs: Tensor, options?: ScanOptions) =>
  squares(scan(rnnCell(p), h0(p, xs), xs, options));

export const lstm = (p: Rnn, xs: Tensor) => {
  const cell = ([h, c]: [Tensor, Tensor], x: Tensor) => {
    const gates = matmul(x, p.wx).add(matmul(h, p.wh)).add(p.b);
    const [i, f, g, o] = split(gates, 4, 1);
    const c2 = sigmoid(i).mul(tanh(g)).add(sigmoid(f).mul(c));
    const h2 = sigmoid(o).mul(tanh(c2));
    return [[h2, c2] as [Tensor, Tensor], h2] as const;
  };
  const [[h], ys] = scan(cell, [h0(p, xs), h0(p, xs)] as [Tensor, Tensor], xs);
  return sum(h).add(squares([h, ys]));
};

export const gru = (p: Rnn, xs: Tensor) => {
  const cell = (h: Tensor, x: Tensor) => {
    const [xz, xr, xn] = split(matmul(x, p.wx).add(p.b), 3, 1);
    const [hz, hr, hn] = split(matmul(h, p.wh), 3, 1);
    const z = sigmoid(xz.add(hz));
    const n = tanh(xn.add(sigmoid(xr.add(hr)).mul(hn)));
    const next = n.add(z.mul(h.sub(n)));
    return [next, next] as const;
  };
  return squares(scan(cell, h0(p, xs), xs));
};

/** The bytes of every leaf of `out` (bitwise comparisons of small results). */
export const bits = (out: unknown) =>
  tree.leaves<Tensor>(out).map((t) => Array.from(new Uint8Array(t.data().buffer)));

/**
 * Where two results first differ bitwise ("leaf 0, element 17: 0.25 vs 0.5"), or null when
 * they are the same: a short message where a diff of large arrays would take minutes to print.
 */
export function bitDifference(got: unknown, want: unknown): string | null {
  const [g, w] = [tree.leaves<Tensor>(got), tree.leaves<Tensor>(want)];
  if (g.length !== w.length) return `${g.length} leaves vs ${w.length}`;
  for (let i = 0; i < g.length; i++) {
    const [a, b] = [g[i].data(), w[i].data()];
    if (a.length !== b.length) return `leaf ${i}: ${a.length} elements vs ${b.length}`;
    const [x, y] = [new Uint8Array(a.buffer), new Uint8Array(b.buffer)];
    const byte = x.findIndex((v, k) => v !== y[k]);
    if (byte >= 0) {
      const e = Math.floor(byte / a.BYTES_PER_ELEMENT);
      return `leaf ${i}, element ${e}: ${a[e]} vs ${b[e]}`;
    }
  }
  return null;
}

/**
 * Calls `run` (which checks its own result) until a pool worker has run a task: workers start
 * lazily and are never waited for. Then once more, with the workers warm.
 */
export async function untilWorkersTakePart(run: () => void): Promise<void> {
  const before = pool().stats().tasksOnWorkers;
  for (let r = 0; r < 200 && pool().stats().tasksOnWorkers === before; r++) {
    run();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  expect(pool().stats().tasksOnWorkers).toBeGreaterThan(before);
  run();
}
