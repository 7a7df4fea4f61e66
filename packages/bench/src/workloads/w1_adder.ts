// SPDX-License-Identifier: MIT
// W1/W1b/W5 (BENCHMARKS.md): the binary adder. Elman RNN, in 2, hidden 16, out 1, sigmoid hidden
// and output units, no biases (as trask's tutorial), 8 time steps fed least significant bit
// first. Loss ½ Σ squared error, averaged over the batch (W1's batch of 1 makes that the plain
// sum); SGD with rate 0.1. W5 is the forward pass alone for one pair.
import { splitmix32 } from '@loom/datasets';
import { uniformArray } from './init.js';

export const ADDER_BITS = 8;
export const ADDER_HIDDEN = 16;
export const ADDER_LR = 0.1;

/** V [2, 16] input weights, U [16, 16] recurrent, W [16, 1] readout. */
export interface AdderWeights {
  [name: string]: Float32Array;
  V: Float32Array;
  U: Float32Array;
  W: Float32Array;
}

/** Uniform(−1, 1) weights, the tutorial's 2·rand − 1. */
export function adderWeights(seed: number): AdderWeights {
  const rng = splitmix32(seed);
  return {
    V: uniformArray(rng, 2 * ADDER_HIDDEN, -1, 1),
    U: uniformArray(rng, ADDER_HIDDEN * ADDER_HIDDEN, -1, 1),
    W: uniformArray(rng, ADDER_HIDDEN, -1, 1),
  };
}

/** Pre-generated batches, time-major so that every system can read one step as a slice. */
export interface AdderData {
  batch: number;
  /** Per batch: the two input bits, [8, batch, 2]. */
  xs: Float32Array[];
  /** Per batch: the sum's bits, [8, batch, 1]. */
  ys: Float32Array[];
}

/** `count` batches of pairs a, b uniform in [0, 128), c = a + b, bits least significant first. */
export function adderData(batch: number, count: number, seed: number): AdderData {
  const rng = splitmix32(seed);
  const xs: Float32Array[] = [];
  const ys: Float32Array[] = [];
  for (let n = 0; n < count; n++) {
    const x = new Float32Array(ADDER_BITS * batch * 2);
    const y = new Float32Array(ADDER_BITS * batch);
    for (let b = 0; b < batch; b++) {
      const a = rng.nextInt(128);
      const c = rng.nextInt(128);
      const sum = a + c;
      for (let t = 0; t < ADDER_BITS; t++) {
        x[(t * batch + b) * 2] = (a >> t) & 1;
        x[(t * batch + b) * 2 + 1] = (c >> t) & 1;
        y[t * batch + b] = (sum >> t) & 1;
      }
    }
    xs.push(x);
    ys.push(y);
  }
  return { batch, xs, ys };
}
