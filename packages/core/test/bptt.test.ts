// Backpropagation through time by hand (the classic adder derivation) against grad of a scan.

import { grad, matmul, scan, sigmoid, sum, type Tensor, tensor } from '@loom/core';
import { describe, expect, test } from 'vitest';

type Params = { V: Tensor; U: Tensor; W: Tensor };

// Plain float64 arrays for the hand derivation: no Loom involved.
type Mat = number[][];
const mm = (a: Mat, b: Mat): Mat =>
  a.map((r) => b[0].map((_, j) => r.reduce((s, v, k) => s + v * b[k][j], 0)));
const tr = (a: Mat): Mat => a[0].map((_, j) => a.map((r) => r[j]));
const σ = (a: Mat): Mat => a.map((r) => r.map((v) => 1 / (1 + Math.exp(-v))));
const zip = (a: Mat, b: Mat, f: (x: number, y: number) => number): Mat =>
  a.map((r, i) => r.map((v, j) => f(v, b[i][j])));
const addM = (a: Mat, b: Mat) => zip(a, b, (x, y) => x + y);

function random(rows: number, cols: number, seed: number): Mat {
  let s = seed;
  return Array.from({ length: rows }, () =>
    Array.from({ length: cols }, () => {
      s = (s * 1103515245 + 12345) % 2 ** 31;
      return (s / 2 ** 31 - 0.5) * 2;
    }),
  );
}

describe('hand-derived BPTT agrees with grad of the scan', () => {
  test('binary-adder RNN: h_t = σ(x_t V + h_{t−1} U), y_t = σ(h_t W), E = ½ Σ ‖y_t − d_t‖²', () => {
    const T = 8;
    const hidden = 16;
    const V = random(2, hidden, 1);
    const U = random(hidden, hidden, 2);
    const W = random(hidden, 1, 3);
    // a = 45, b = 73, c = 118, least significant bit first.
    const bit = (n: number, t: number) => (n >> t) & 1;
    const xs: Mat[] = Array.from({ length: T }, (_, t) => [[bit(45, t), bit(73, t)]]);
    const ds: Mat[] = Array.from({ length: T }, (_, t) => [[bit(118, t)]]);

    // Forward, keeping every h_t (h_{-1} = 0) and y_t.
    const hs: Mat[] = [Array.from({ length: 1 }, () => new Array(hidden).fill(0))];
    const ys: Mat[] = [];
    for (let t = 0; t < T; t++) {
      hs.push(σ(addM(mm(xs[t], V), mm(hs[t], U))));
      ys.push(σ(mm(hs[t + 1], W)));
    }
    // Backward: δy_t = (y_t − d_t)∘y_t(1−y_t); δh_t = (δy_t Wᵀ + δh_{t+1} Uᵀ)∘h_t(1−h_t).
    let dV = zip(V, V, () => 0);
    let dU = zip(U, U, () => 0);
    let dW = zip(W, W, () => 0);
    let dhNext: Mat = [new Array(hidden).fill(0)];
    for (let t = T - 1; t >= 0; t--) {
      const h = hs[t + 1];
      const dy = zip(
        zip(ys[t], ds[t], (y, d) => y - d),
        ys[t],
        (e, y) => e * y * (1 - y),
      );
      const dh = zip(addM(mm(dy, tr(W)), mm(dhNext, tr(U))), h, (g, v) => g * v * (1 - v));
      dW = addM(dW, mm(tr(h), dy));
      dU = addM(dU, mm(tr(hs[t]), dh));
      dV = addM(dV, mm(tr(xs[t]), dh));
      dhNext = dh;
    }

    const f64 = (m: Mat) => tensor(m, { dtype: 'float64' });
    const loss = (p: Params) => {
      const [, outs] = scan(
        (h: Tensor, x: Tensor) => {
          const next = sigmoid(matmul(x, p.V).add(matmul(h, p.U)));
          return [next, sigmoid(matmul(next, p.W))] as const;
        },
        tensor(new Float64Array(hidden), { shape: [1, hidden] }),
        tensor(xs, { dtype: 'float64' }),
      );
      const err = outs.sub(tensor(ds, { dtype: 'float64' }));
      return sum(err.mul(err)).mul(0.5);
    };
    const g = grad(loss)({ V: f64(V), U: f64(U), W: f64(W) });
    const close = (a: Tensor, b: Mat) => {
      const flat = b.flat();
      a.data().forEach((v, i) => {
        expect(Math.abs(v - flat[i])).toBeLessThan(1e-12);
      });
    };
    close(g.V, dV);
    close(g.U, dU);
    close(g.W, dW);
  });
});
