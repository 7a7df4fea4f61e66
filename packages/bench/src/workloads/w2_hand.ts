// SPDX-License-Identifier: MIT
// W2 written by hand: the ReLU RNN's forward pass, the dense head, softmax cross-entropy,
// backpropagation through time and Adam over Float32Arrays allocated once, so a step allocates
// nothing. This is the practical ceiling the other systems are measured against.
import { type AdamSlot, adamSlots, adamUpdate } from './adam_hand.js';
import { matmul, matmulTransAAdd, matmulTransB } from './hand_kernels.js';
import { cloneWeights } from './init.js';
import type { Trainer, Weights } from './system.js';
import {
  ADAM,
  type SineSquareData,
  type SineSquareWeights,
  SS_BATCH,
  SS_CLASSES,
  SS_FC,
  SS_FEATURES,
  SS_HIDDEN,
} from './w2_sine_square.js';

const B = SS_BATCH;
const F = SS_FEATURES;
const H = SS_HIDDEN;
const C1 = SS_FC;
const K = SS_CLASSES;

/** The hand-written trainer, which also shows its last gradients (Adam would hide a wrong scale). */
export interface HandSineSquareTrainer extends Trainer {
  gradients(): Weights;
}

/** The sine-vs-square training loop by hand. */
export function handSineSquareTrainer(
  init: SineSquareWeights,
  data: SineSquareData,
): HandSineSquareTrainer {
  const T = data.seqLen;
  const w = cloneWeights(init);
  const { wx, wh, b, w1, b1, w2, b2 } = w;
  const names = ['wx', 'wh', 'b', 'w1', 'b1', 'w2', 'b2'] as const;
  const slots: AdamSlot[] = adamSlots(names.map((n) => w[n]));
  const [gwx, gwh, gb, gw1, gb1, gw2, gb2] = slots.map((s) => s.g);
  const hs = new Float32Array((T + 1) * B * H); // row 0 is h₀ = 0
  const pre = new Float32Array(B * H);
  const f1 = new Float32Array(B * C1);
  const z = new Float32Array(B * K);
  const dz = new Float32Array(B * K);
  const df1 = new Float32Array(B * C1);
  const dh = new Float32Array(B * H);
  const da = new Float32Array(B * H);
  let count = 0;
  let last = Number.NaN;
  return {
    step(i) {
      const n = i % data.xs.length;
      const x = data.xs[n];
      const y = data.ys[n];
      // Forward through time: h_t = relu(x_t · wx + h_{t−1} · wh + b).
      for (let t = 0; t < T; t++) {
        matmul(pre, 0, x, t * B * F, wx, B, F, H, false);
        matmul(pre, 0, hs, t * B * H, wh, B, H, H, true);
        const cur = (t + 1) * B * H;
        for (let e = 0; e < B; e++) {
          for (let j = 0; j < H; j++) hs[cur + e * H + j] = Math.max(pre[e * H + j] + b[j], 0);
        }
      }
      // Head and loss: the last state through dense 12→6 ReLU, dense 6→2, softmax cross-entropy.
      const hT = T * B * H;
      matmul(f1, 0, hs, hT, w1, B, H, C1, false);
      for (let e = 0; e < B; e++) {
        for (let c = 0; c < C1; c++) f1[e * C1 + c] = Math.max(f1[e * C1 + c] + b1[c], 0);
      }
      matmul(z, 0, f1, 0, w2, B, C1, K, false);
      let loss = 0;
      for (let e = 0; e < B; e++) {
        let max = Number.NEGATIVE_INFINITY;
        for (let k = 0; k < K; k++) {
          const a = z[e * K + k] + b2[k];
          z[e * K + k] = a;
          if (a > max) max = a;
        }
        let s = 0;
        for (let k = 0; k < K; k++) s += Math.exp(z[e * K + k] - max);
        const lse = max + Math.log(s);
        for (let k = 0; k < K; k++) {
          const yk = y[e * K + k];
          loss += yk * (lse - z[e * K + k]);
          // d/dz of the mean cross-entropy against a one-hot label: (softmax − y) / B.
          dz[e * K + k] = (Math.exp(z[e * K + k] - lse) - yk) / B;
        }
      }
      last = loss / B;
      // Backward through the head.
      for (const g of [gw2, gb2, gw1, gb1, gwx, gwh, gb]) g.fill(0);
      matmulTransAAdd(gw2, f1, 0, dz, 0, B, C1, K);
      matmulTransB(df1, dz, w2, B, C1, K);
      for (let e = 0; e < B; e++) {
        for (let k = 0; k < K; k++) gb2[k] += dz[e * K + k];
        for (let c = 0; c < C1; c++) {
          if (!(f1[e * C1 + c] > 0)) df1[e * C1 + c] = 0;
          gb1[c] += df1[e * C1 + c];
        }
      }
      matmulTransAAdd(gw1, hs, hT, df1, 0, B, H, C1);
      matmulTransB(dh, df1, w1, B, H, C1);
      // Backward through time.
      for (let t = T - 1; t >= 0; t--) {
        const cur = (t + 1) * B * H;
        for (let e = 0; e < B; e++) {
          for (let j = 0; j < H; j++) {
            const d = hs[cur + e * H + j] > 0 ? dh[e * H + j] : 0;
            da[e * H + j] = d;
            gb[j] += d;
          }
        }
        matmulTransAAdd(gwx, x, t * B * F, da, 0, B, F, H);
        matmulTransAAdd(gwh, hs, t * B * H, da, 0, B, H, H);
        matmulTransB(dh, da, wh, B, H, H);
      }
      adamUpdate(slots, ++count, ADAM);
    },
    loss: () => last,
    weights: () => cloneWeights(w),
    gradients: () => Object.fromEntries(slots.map((s, i) => [names[i], s.g.slice()])),
    dispose() {},
  };
}
