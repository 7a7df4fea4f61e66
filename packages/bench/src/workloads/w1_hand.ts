// SPDX-License-Identifier: MIT
// W1/W1b/W5 written by hand: forward, backpropagation through time and the SGD update over
// Float32Arrays allocated once, so a step allocates nothing. This is the practical ceiling the
// other systems are measured against.
import { matmul, matmulTransAAdd, matmulTransB } from './hand_kernels.js';
import { cloneWeights } from './init.js';
import type { Predictor, Trainer } from './system.js';
import {
  ADDER_BITS,
  ADDER_HIDDEN,
  ADDER_LR,
  type AdderData,
  type AdderWeights,
} from './w1_adder.js';

const T = ADDER_BITS;
const H = ADDER_HIDDEN;
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/**
 * Writes the hidden states hs [T + 1, B, H] (row 0 is h₀ = 0) and the outputs out [T, B];
 * `pre` [B, H] is scratch.
 */
function forward(
  w: AdderWeights,
  x: Float32Array,
  B: number,
  hs: Float32Array,
  out: Float32Array,
  pre: Float32Array,
): void {
  for (let t = 0; t < T; t++) {
    const cur = (t + 1) * B * H;
    matmul(pre, 0, x, t * B * 2, w.V, B, 2, H, false);
    matmul(pre, 0, hs, t * B * H, w.U, B, H, H, true);
    for (let i = 0; i < B * H; i++) hs[cur + i] = sigmoid(pre[i]);
    matmul(out, t * B, hs, cur, w.W, B, H, 1, false);
    for (let e = 0; e < B; e++) out[t * B + e] = sigmoid(out[t * B + e]);
  }
}

/** The adder's training loop by hand, for a batch of B (mean of ½ Σ squared error). */
export function handAdderTrainer(init: AdderWeights, data: AdderData): Trainer {
  const B = data.batch;
  const w = cloneWeights(init);
  const { V, U, W } = w;
  const hs = new Float32Array((T + 1) * B * H);
  const out = new Float32Array(T * B);
  const pre = new Float32Array(B * H);
  const gV = new Float32Array(2 * H);
  const gU = new Float32Array(H * H);
  const gW = new Float32Array(H);
  const dz = new Float32Array(B); // gradient at the output unit's pre-activation
  const dh = new Float32Array(B * H); // gradient flowing into h_t from later steps
  const da = new Float32Array(B * H); // gradient at the pre-activation of h_t
  let last = Number.NaN;
  return {
    step(i) {
      const k = i % data.xs.length;
      const x = data.xs[k];
      const y = data.ys[k];
      forward(w, x, B, hs, out, pre);
      const scale = 1 / B;
      gV.fill(0);
      gU.fill(0);
      gW.fill(0);
      dh.fill(0);
      let loss = 0;
      for (let t = T - 1; t >= 0; t--) {
        const cur = (t + 1) * B * H;
        for (let e = 0; e < B; e++) {
          const o = out[t * B + e];
          const err = o - y[t * B + e];
          loss += err * err;
          dz[e] = err * scale * o * (1 - o);
        }
        matmulTransAAdd(gW, hs, cur, dz, 0, B, H, 1);
        for (let e = 0; e < B; e++) {
          const d = dz[e];
          for (let j = 0; j < H; j++) {
            const h = hs[cur + e * H + j];
            da[e * H + j] = (dh[e * H + j] + d * W[j]) * h * (1 - h);
          }
        }
        matmulTransAAdd(gV, x, t * B * 2, da, 0, B, 2, H);
        matmulTransAAdd(gU, hs, t * B * H, da, 0, B, H, H);
        matmulTransB(dh, da, U, B, H, H);
      }
      last = 0.5 * loss * scale;
      for (let j = 0; j < V.length; j++) V[j] -= ADDER_LR * gV[j];
      for (let j = 0; j < U.length; j++) U[j] -= ADDER_LR * gU[j];
      for (let j = 0; j < W.length; j++) W[j] -= ADDER_LR * gW[j];
    },
    loss: () => last,
    weights: () => cloneWeights(w),
    dispose() {},
  };
}

/** The adder's forward pass by hand (W5), into one preallocated output array. */
export function handAdderPredictor(init: AdderWeights, data: AdderData): Predictor {
  const B = data.batch;
  const w = cloneWeights(init);
  const hs = new Float32Array((T + 1) * B * H);
  const out = new Float32Array(T * B);
  const pre = new Float32Array(B * H);
  return {
    predict(i) {
      forward(w, data.xs[i % data.xs.length], B, hs, out, pre);
      return out;
    },
    dispose() {},
  };
}
