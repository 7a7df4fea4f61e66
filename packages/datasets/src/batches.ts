// SPDX-License-Identifier: MIT
/**
 * Mini-batching over epochs as a pure function of (data, options, epoch): the batches of epoch 3
 * are the same whether or not epochs 0–2 were ever iterated, so a resumed run sees exactly the
 * batches an uninterrupted one would, and nothing is kept between calls.
 */
import type { Tensor } from '@loom/core';
import { tensor } from '@loom/core';
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import { DatasetError, optionError } from './errors.js';
import { deriveSeed, permutation, splitmix32 } from './prng.js';
import { booleanOf, ensure, integerIn, orThrow, seedOf, type Validation } from './validate.js';

const FN = 'batches';

/** Options of `batches`. */
export interface BatchOptions {
  /** Examples per batch, ≥ 1. */
  readonly batchSize: number;
  /** Reorder the examples every epoch (false). */
  readonly shuffle?: boolean;
  /** Any safe integer; required when `shuffle` is true. Epoch e uses a stream derived from (seed, e). */
  readonly seed?: number;
  /** Drop the last, smaller batch of an epoch (false). */
  readonly dropRemainder?: boolean;
}

/** A batch has the same keys as the data, each tensor cut to the batch's examples. */
export type Batch<D> = { readonly [K in keyof D]: Tensor };

/** One step of `Batches.epochs`. */
export interface EpochStep<D> {
  readonly epoch: number;
  /** Index of the batch within its epoch. */
  readonly index: number;
  readonly batch: Batch<D>;
}

/** The batches of a dataset, for any epoch. */
export interface Batches<D> {
  /** N, the number of examples. */
  readonly numExamples: number;
  readonly batchSize: number;
  /** Batches in every epoch. */
  readonly batchesPerEpoch: number;
  /** The example order of `epoch` (identity without shuffling). */
  order(epoch: number): Int32Array;
  /** The batches of `epoch`, built lazily; a fresh generator on every call. */
  epoch(epoch: number): Generator<Batch<D>, void, undefined>;
  /** Epochs 0, 1, … (`count` of them, or endlessly) one batch at a time. */
  epochs(count?: number): Generator<EpochStep<D>, void, undefined>;
}

/** The validated options, defaults filled in. */
export interface BatchConfig {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly dropRemainder: boolean;
}

function isTensor(x: unknown): x is Tensor {
  return (
    typeof x === 'object' &&
    x !== null &&
    Array.isArray((x as Tensor).shape) &&
    typeof (x as Tensor).data === 'function'
  );
}

/** Checks the data record: tensors of rank ≥ 1 sharing a leading dimension N ≥ 1; returns N. */
export function validateBatchData(data: unknown): Validation<number> {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return E.left(optionError(FN, 'data', data, 'a record of tensors, e.g. { x, y }'));
  }
  const entries = Object.entries(data);
  if (entries.length === 0) {
    return E.left(optionError(FN, 'data', data, 'a record with at least one tensor'));
  }
  let n: number | undefined;
  let first = '';
  for (const [key, t] of entries) {
    if (!isTensor(t)) return E.left(optionError(FN, `data.${key}`, t, 'a Tensor'));
    if (t.shape.length === 0) {
      return E.left(
        optionError(FN, `data.${key}`, 'a scalar', 'a tensor of rank ≥ 1 (examples on axis 0)'),
      );
    }
    if (n === undefined) {
      n = t.shape[0];
      first = key;
    } else if (t.shape[0] !== n) {
      return E.left(
        new DatasetError(
          `${FN}: every tensor in data must have the same leading dimension N; data.${first} ` +
            `has shape [${n}, …] but data.${key} has shape [${t.shape.join(', ')}].`,
        ),
      );
    }
  }
  return n! >= 1
    ? E.right(n!)
    : E.left(new DatasetError(`${FN}: data has N = 0 examples; there is nothing to batch.`));
}

/** Checks `batches`' options against a dataset of `n` examples and fills in defaults. */
export function validateBatchOptions(
  options: Partial<BatchOptions> | undefined,
  n: number,
): Validation<BatchConfig> {
  const o = options ?? {};
  return pipe(
    E.Do,
    E.apS('batchSize', integerIn(FN, 'batchSize', o.batchSize, 1, Number.MAX_SAFE_INTEGER)),
    E.apS('shuffle', booleanOf(FN, 'shuffle', o.shuffle ?? false)),
    E.apS('dropRemainder', booleanOf(FN, 'dropRemainder', o.dropRemainder ?? false)),
    E.bind('seed', ({ shuffle }) =>
      shuffle || o.seed !== undefined ? seedOf(FN, o.seed) : E.right(0),
    ),
    E.flatMap((c) =>
      ensure(
        c,
        !c.dropRemainder || c.batchSize <= n,
        () =>
          new DatasetError(
            `${FN}: batchSize ${c.batchSize} with dropRemainder = true leaves no batch for ` +
              `${n} examples; use batchSize ≤ ${n} or dropRemainder = false.`,
          ),
      ),
    ),
  );
}

/**
 * Mini-batches of a record of tensors that share their leading dimension N (e.g. `{ x, y }`):
 * each batch slices every tensor along axis 0 with the same example indices. With `shuffle`, the
 * order of epoch e is a permutation drawn from (seed, e) alone.
 * @example
 * const b = batches({ x: train.x, y: train.y }, { batchSize: 32, shuffle: true, seed: 0 });
 * for (const { epoch, batch } of b.epochs(10)) step(batch.x, batch.y);
 */
export function batches<D extends { readonly [K in keyof D]: Tensor }>(
  data: D,
  options: BatchOptions,
): Batches<D> {
  const n = orThrow(validateBatchData(data));
  const { batchSize, shuffle, seed, dropRemainder } = orThrow(validateBatchOptions(options, n));
  const batchesPerEpoch = dropRemainder ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
  // Read every tensor once; each batch then gathers rows from these copies.
  const columns = Object.keys(data).map((key) => {
    const t = data[key as keyof D];
    const rowSize = t.shape.slice(1).reduce((a, b) => a * b, 1);
    return { key, values: t.data(), dtype: t.dtype, rest: t.shape.slice(1), rowSize };
  });

  const checkEpoch = (epoch: number): number =>
    orThrow(integerIn(FN, 'epoch', epoch, 0, Number.MAX_SAFE_INTEGER));

  const orderOf = (epoch: number): Int32Array => {
    if (shuffle) return permutation(n, splitmix32(deriveSeed(seed, epoch)));
    return Int32Array.from({ length: n }, (_, i) => i);
  };

  const batchAt = (order: Int32Array, index: number): Batch<D> => {
    const rows = order.subarray(index * batchSize, Math.min(n, (index + 1) * batchSize));
    const out: Record<string, Tensor> = {};
    for (const { key, values, dtype, rest, rowSize } of columns) {
      // Same constructor as the source, so dtype and precision are preserved.
      const gathered = new (values.constructor as new (length: number) => typeof values)(
        rows.length * rowSize,
      );
      rows.forEach((row, j) => {
        gathered.set(values.subarray(row * rowSize, (row + 1) * rowSize), j * rowSize);
      });
      out[key] = tensor(gathered, { dtype, shape: [rows.length, ...rest] });
    }
    return out as Batch<D>;
  };

  function* epochBatches(order: Int32Array): Generator<Batch<D>, void, undefined> {
    for (let i = 0; i < batchesPerEpoch; i++) yield batchAt(order, i);
  }

  return {
    numExamples: n,
    batchSize,
    batchesPerEpoch,
    order: (epoch) => orderOf(checkEpoch(epoch)),
    // Plain functions returning generators, so bad arguments throw at the call, not at next().
    epoch: (epoch) => epochBatches(orderOf(checkEpoch(epoch))),
    epochs: (count) => {
      const total =
        count === undefined
          ? Number.POSITIVE_INFINITY
          : orThrow(integerIn(FN, 'count', count, 0, Number.MAX_SAFE_INTEGER));
      return (function* () {
        for (let epoch = 0; epoch < total; epoch++) {
          let index = 0;
          for (const batch of epochBatches(orderOf(epoch))) yield { epoch, index: index++, batch };
        }
      })();
    },
  };
}
