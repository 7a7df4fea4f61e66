// SPDX-License-Identifier: MIT
/**
 * Sine vs square: classify a noisy multichannel sequence by whether its underlying signal is
 * sin(t) or a square wave of the same period. Every channel carries the same base signal buried in
 * independent Gaussian noise, so a model has to integrate evidence over time and channels.
 */
import { type Tensor, tensor } from '@loom/core';
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import { DatasetError } from './errors.js';
import { permutation, splitmix32 } from './prng.js';
import {
  ensure,
  integerIn,
  numberBetween,
  numberIn,
  orThrow,
  seedOf,
  type Validation,
} from './validate.js';

const FN = 'sineSquare';

/** The class names, indexed by label: 0 = sine, 1 = square. */
export const SINE_SQUARE_CLASSES = ['sine', 'square'] as const;

/** Options of `sineSquare`; all but `seed` have the defaults shown. */
export interface SineSquareOptions {
  /** Time steps T (96). */
  readonly seqLen?: number;
  /** Channels F per time step (16). */
  readonly dim?: number;
  /** Examples per class (1000); N = 2 · perClass. */
  readonly perClass?: number;
  /** Standard deviation of the per-channel Gaussian noise (1.0). */
  readonly noise?: number;
  /** Fraction of the N examples in the training set, strictly between 0 and 1 (0.7). */
  readonly trainRatio?: number;
  /** Any safe integer. Required. */
  readonly seed: number;
}

/** The validated options, defaults filled in. */
export type SineSquareConfig = Required<SineSquareOptions>;

/**
 * One split, as a record of tensors sharing the leading dimension n (so it can go straight to
 * `batches`): x [n, T, F] float32, y [n] int32 class indices, yOneHot [n, 2] float32, and ids [n]
 * int32, the example's index before shuffling (class c, k-th of its class: id = c · perClass + k).
 */
export interface SineSquareSplit {
  readonly x: Tensor;
  readonly y: Tensor;
  readonly yOneHot: Tensor;
  readonly ids: Tensor;
}

/** The dataset: shuffled examples split by `trainRatio`. */
export interface SineSquare {
  readonly train: SineSquareSplit;
  readonly test: SineSquareSplit;
  readonly config: SineSquareConfig;
}

/** Checks `sineSquare`'s options and fills in defaults. */
export function validateSineSquareOptions(
  options: Partial<SineSquareOptions> | undefined,
): Validation<SineSquareConfig> {
  const o = options ?? {};
  return pipe(
    E.Do,
    E.apS('seqLen', integerIn(FN, 'seqLen', o.seqLen ?? 96, 1, 1_000_000)),
    E.apS('dim', integerIn(FN, 'dim', o.dim ?? 16, 1, 1_000_000)),
    E.apS('perClass', integerIn(FN, 'perClass', o.perClass ?? 1000, 1, 10_000_000)),
    E.apS('noise', numberIn(FN, 'noise', o.noise ?? 1.0, 0, Number.POSITIVE_INFINITY)),
    E.apS('trainRatio', numberBetween(FN, 'trainRatio', o.trainRatio ?? 0.7, 0, 1)),
    E.apS('seed', seedOf(FN, o.seed)),
    E.flatMap((c) => {
      const n = 2 * c.perClass;
      const nTrain = trainCount(n, c.trainRatio);
      return ensure(
        c,
        nTrain >= 1 && nTrain <= n - 1,
        () =>
          new DatasetError(
            `${FN}: trainRatio ${c.trainRatio} with ${n} examples (perClass = ${c.perClass}) ` +
              `leaves the ${nTrain < 1 ? 'train' : 'test'} split empty; pick a trainRatio ` +
              `giving between 1 and ${n - 1} training examples, or raise perClass.`,
          ),
      );
    }),
    E.flatMap((c) =>
      ensure(
        c,
        2 * c.perClass * c.seqLen * c.dim <= 2 ** 30,
        () =>
          new DatasetError(
            `${FN}: 2 · perClass · seqLen · dim must be at most 2^30 values; got ` +
              `2 · ${c.perClass} · ${c.seqLen} · ${c.dim} = ${2 * c.perClass * c.seqLen * c.dim}.`,
          ),
      ),
    ),
  );
}

/** How many of `n` examples go to the training set. */
function trainCount(n: number, trainRatio: number): number {
  return Math.round(n * trainRatio);
}

/**
 * The noiseless signals on the time grid t_i = i · 10 / seqLen, i = 0..seqLen−1 (the values of
 * arange(0, 10, 10/seqLen), computed by multiplication so the length is exactly seqLen): sine =
 * sin(t), square = +1 where t mod 2π < π and −1 elsewhere.
 */
export function sineSquareBase(seqLen: number): {
  t: Float64Array;
  sine: Float64Array;
  square: Float64Array;
} {
  const T = orThrow(integerIn('sineSquareBase', 'seqLen', seqLen, 1, 1_000_000));
  const t = new Float64Array(T);
  const sine = new Float64Array(T);
  const square = new Float64Array(T);
  for (let i = 0; i < T; i++) {
    t[i] = (i * 10) / T;
    sine[i] = Math.sin(t[i]);
    square[i] = t[i] % (2 * Math.PI) < Math.PI ? 1 : -1;
  }
  return { t, sine, square };
}

/**
 * Generates the sine-vs-square dataset: perClass examples of each class, each channel the base
 * signal plus N(0, noise²), shuffled, then split into the first round(N · trainRatio) examples
 * (train) and the rest (test). Layout [N, T, F] (batch, time, feature).
 * @example
 * const { train, test } = sineSquare({ seed: 0 });
 * train.x.shape; // [1400, 96, 16]
 */
export function sineSquare(options: SineSquareOptions): SineSquare {
  const config = orThrow(validateSineSquareOptions(options));
  const { seqLen: T, dim: F, perClass, noise, trainRatio, seed } = config;
  const n = 2 * perClass;
  const { sine, square } = sineSquareBase(T);
  const bases = [sine, square];
  const rng = splitmix32(seed);
  const stride = T * F;
  // Generated in id order, then shuffled by index, so an example's values depend only on its id.
  const values = new Float32Array(n * stride);
  for (let id = 0; id < n; id++) {
    const base = bases[id < perClass ? 0 : 1];
    for (let i = 0; i < T; i++) {
      for (let f = 0; f < F; f++)
        values[id * stride + i * F + f] = base[i] + noise * rng.nextNormal();
    }
  }
  const order = permutation(n, rng);
  const nTrain = trainCount(n, trainRatio);
  const split = (from: number, to: number): SineSquareSplit => {
    const m = to - from;
    const x = new Float32Array(m * stride);
    const y = new Int32Array(m);
    const oneHot = new Float32Array(m * 2);
    const ids = new Int32Array(m);
    for (let j = 0; j < m; j++) {
      const id = order[from + j];
      const label = id < perClass ? 0 : 1;
      x.set(values.subarray(id * stride, (id + 1) * stride), j * stride);
      y[j] = label;
      oneHot[j * 2 + label] = 1;
      ids[j] = id;
    }
    return {
      x: tensor(x, { shape: [m, T, F] }),
      y: tensor(y, { shape: [m] }),
      yOneHot: tensor(oneHot, { shape: [m, 2] }),
      ids: tensor(ids, { shape: [m] }),
    };
  };
  return { train: split(0, nTrain), test: split(nTrain, n), config };
}
