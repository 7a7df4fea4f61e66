// SPDX-License-Identifier: MIT
// The classic RNN adder (trask's numpy tutorial, as a scan): two numbers fed least significant
// bit first, sigmoid units, no biases, ½ Σ squared error. Browser-safe: the CLI program and the
// live training page (packages/web) both train this model.
import { gt, matmul, random, scan, sigmoid, sum, type Tensor, tensor } from '@loom/core';
import { type AdditionPair, binaryAddition, fromBits } from '@loom/datasets';

/** The adder's weights: input→hidden V, hidden→hidden U, hidden→output W. */
export type AdderParams = { V: Tensor; U: Tensor; W: Tensor };

/** The tutorial's hidden size. */
export const ADDER_HIDDEN = 16;
/** Bits of the sum (operands get one fewer). */
export const ADDER_BITS = 8;

/** Uniform(−1, 1) initial weights, as in the tutorial (2·rand − 1), from one seed. */
export function initAdder(seed: number, hidden: number = ADDER_HIDDEN): AdderParams {
  const [kV, kU, kW] = random.split(random.key(seed), 3);
  const init = (k: Tensor, shape: number[]) => random.uniform(k, shape, { minval: -1, maxval: 1 });
  return { V: init(kV, [2, hidden]), U: init(kU, [hidden, hidden]), W: init(kW, [hidden, 1]) };
}

/**
 * Outputs [B, T, 1] for inputs [B, T, 2] (batch-major, as `@loom/datasets` gives them); the
 * hidden size is read from U. The scan steps over time through a transposed view.
 */
export function adderForward(p: AdderParams, xs: Tensor): Tensor {
  const batch = xs.shape[0];
  const hidden = p.U.shape[0];
  const h0 = tensor(new Float32Array(batch * hidden), { shape: [batch, hidden] });
  const [, ys] = scan(
    (h: Tensor, x: Tensor) => {
      const next = sigmoid(matmul(x, p.V).add(matmul(h, p.U)));
      return [next, sigmoid(matmul(next, p.W))] as const;
    },
    h0,
    xs.transpose([1, 0, 2]),
  );
  return ys.transpose([1, 0, 2]);
}

/** ½ Σ squared error of the outputs against target bits [B, T, 1]. */
export function adderLoss(p: AdderParams, xs: Tensor, targets: Tensor): Tensor {
  const err = adderForward(p, xs).sub(targets);
  return sum(err.mul(err)).mul(0.5);
}

/** The predicted bits (bool [B, T, 1]): outputs above ½. */
export function adderPredict(p: AdderParams, xs: Tensor): Tensor {
  return gt(adderForward(p, xs), 0.5);
}

/** One checked sum: the problem and what the model answered. */
export interface AdderSum extends AdditionPair {
  readonly predicted: number;
}

/** Exact-sum accuracy on `count` fresh problems, and every answer. */
export interface AdderEvaluation {
  readonly accuracy: number;
  readonly sums: readonly AdderSum[];
}

/**
 * Exact sums on `count` problems drawn from `seed` (pick a seed training never uses): one
 * batched forward pass.
 */
export function evaluateAdder(params: AdderParams, seed: number, count = 1000): AdderEvaluation {
  const fresh = binaryAddition({ bits: ADDER_BITS, seed }).batches(count).next().value;
  const bits = adderPredict(params, fresh.inputs).data();
  const sums = fresh.pairs.map((pair, i) => ({
    ...pair,
    predicted: fromBits(bits.subarray(i * ADDER_BITS, (i + 1) * ADDER_BITS)),
  }));
  const exact = sums.filter((s) => s.predicted === s.c).length;
  return { accuracy: exact / count, sums };
}

/** The seed of the fresh evaluation problems for a run seeded `seed`. */
export const adderEvaluationSeed = (seed: number): number => seed + 1_000_003;
