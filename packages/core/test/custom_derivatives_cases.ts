// Functions with custom derivatives shared by custom_derivatives.test.ts and the jit suite
// jit_custom_derivatives.test.ts, with their hand-derived float64 references.
import {
  customJvp,
  customVjp,
  div,
  exp,
  log,
  log1p,
  matmul,
  max,
  minimum,
  scan,
  sigmoid,
  sqrt,
  sum,
  type Tensor,
  tanh,
  tensor,
  where,
} from '../src/index.js';

export const f64 = (data: number[] | number[][] | number[][][]) =>
  tensor(data, { dtype: 'float64' });

/** log(1 + e^x), exact for large x (where log1p(exp(x)) overflows). */
export const softplusPrimal = (x: Tensor) => where(x.gt(30), x, log1p(exp(minimum(x, 30))));
export const softplus = customJvp(
  (x: Tensor) => softplusPrimal(x),
  ([x], [t]) => [softplusPrimal(x), t.mul(sigmoid(x))],
);
/** log Σ exp(x), computed after subtracting the maximum; its rule's tangent is ⟨softmax x, t⟩. */
export const logSumExp = customJvp(
  (x: Tensor) => {
    const m = max(x);
    return log(sum(exp(x.sub(m)))).add(m);
  },
  ([x], [t]) => {
    const m = max(x);
    const e = exp(x.sub(m));
    const total = sum(e);
    return [log(total).add(m), sum(e.div(total).mul(t))];
  },
);

export const MAX_NORM = 1.2;

/** Identity forward; the backward pass rescales the cotangent to norm at most MAX_NORM. */
export const clipGradient = customVjp(
  (h: Tensor) => h,
  (h: Tensor) => [h, null] as const,
  (_res: null, g: Tensor) => [g.mul(minimum(1, div(MAX_NORM, sqrt(sum(g.mul(g))))))],
);

export const STEPS = 20;
export const W0 = [
  [0.9 * Math.sin(1), 0.7 * Math.cos(2)],
  [0.8 * Math.sin(3), 0.6 * Math.cos(4)],
];
export const H0 = [0.3, -0.2];
export const XS = Array.from({ length: STEPS }, (_, t) => [
  0.8 * Math.cos(1.3 * t),
  0.5 * Math.sin(0.7 * t),
]);
export const U = [1, -0.5];

/** Σ_t ⟨u, h_t⟩ with h_t = clip(tanh(h_{t-1} W + x_t)): an RNN whose per-step gradients are clipped. */
export const clippedRnnLoss = (w: Tensor, h0: Tensor, xs: Tensor) => {
  const [, hs] = scan(
    (h: Tensor, x: Tensor): [Tensor, Tensor] => {
      const next = clipGradient(tanh(matmul(h, w).add(x)));
      return [next, next];
    },
    h0,
    xs,
  );
  return sum(hs.mul(f64(U)));
};

/** Hand-written float64 BPTT of the same loss, clipping each step's incoming cotangent. */
export function clippedRnnReference() {
  const hs: number[][] = [H0];
  for (let t = 0; t < STEPS; t++) {
    const h = hs[t];
    hs.push([0, 1].map((j) => Math.tanh(h[0] * W0[0][j] + h[1] * W0[1][j] + XS[t][j])));
  }
  const dW = [
    [0, 0],
    [0, 0],
  ];
  const dxs = XS.map(() => [0, 0]);
  let g = [0, 0];
  let clipped = 0;
  for (let t = STEPS; t >= 1; t--) {
    const dh = [U[0] + g[0], U[1] + g[1]];
    const norm = Math.hypot(dh[0], dh[1]);
    const scale = Math.min(1, MAX_NORM / norm);
    if (scale < 1) clipped++;
    const da = dh.map((d, j) => d * scale * (1 - hs[t][j] ** 2));
    for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) dW[i][j] += hs[t - 1][i] * da[j];
    dxs[t - 1] = da;
    g = [0, 1].map((i) => W0[i][0] * da[0] + W0[i][1] * da[1]);
  }
  return { dW: dW.flat(), dh0: g, dxs: dxs.flat(), clipped };
}
