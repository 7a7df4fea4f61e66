// SPDX-License-Identifier: MIT
/**
 * The classic RNN adder: two integers are fed bit by bit, least significant bit first, and the
 * network emits the bits of their sum. LSB first is what makes the task learnable by a recurrent
 * net: the carry produced at step t is needed at step t + 1, so every output depends only on
 * inputs already seen. Fed MSB first, the first output would depend on all future inputs.
 */
import { type Tensor, tensor } from '@loom/core';
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import { DatasetError, optionError } from './errors.js';
import { type Rng, splitmix32 } from './prng.js';
import { ensure, integerIn, orThrow, seedOf, type Validation } from './validate.js';

const FN = 'binaryAddition';

/** The most bits a number may have in `toBits`/`fromBits`: exact doubles end at 2^53. */
export const MAX_CODEC_BITS = 53;

/** Options of `binaryAddition`. */
export interface BinaryAdditionOptions {
  /** Sequence length T = number of bits of the sum, 1..30. Operands get `bits − 1` bits. */
  readonly bits?: number;
  /** Any safe integer. Required: the same seed always gives the same examples. */
  readonly seed: number;
}

/** One addition problem: a + b = c. */
export interface AdditionPair {
  readonly a: number;
  readonly b: number;
  readonly c: number;
}

/** One problem with its encoding: inputs [T, 2] (bits of a, b), targets [T, 1] (bits of c). */
export interface AdditionExample extends AdditionPair {
  readonly inputs: Tensor;
  readonly targets: Tensor;
}

/**
 * B problems, batch-major: inputs [B, T, 2] float32 with inputs[i, t, 0] = bit t of a_i and
 * inputs[i, t, 1] = bit t of b_i (t = 0 is the least significant bit); targets [B, T, 1] float32
 * with targets[i, t, 0] = bit t of c_i. `pairs` holds the integers for checking and display.
 */
export interface AdditionBatch {
  readonly pairs: readonly AdditionPair[];
  readonly inputs: Tensor;
  readonly targets: Tensor;
}

/** Sizes of the fixed splits. */
export interface AdditionSplitSizes {
  readonly train: number;
  readonly test: number;
}

/** A seeded binary-addition task. Every method starts again from the seed: no hidden state. */
export interface BinaryAddition {
  /** T: the number of time steps (bits of the sum). */
  readonly bits: number;
  readonly seed: number;
  /** An endless stream of problems, the same for every call. */
  pairs(): Generator<AdditionPair, never, undefined>;
  /** The same endless stream, each problem encoded as [T, 2] / [T, 1] tensors. */
  examples(): Generator<AdditionExample, never, undefined>;
  /** The same endless stream cut into consecutive batches of `batchSize`. */
  batches(batchSize: number): Generator<AdditionBatch, never, undefined>;
  /**
   * Fixed train/test sets of distinct problems: the first `train` distinct pairs of the stream,
   * then the next `test` pairs not seen before, so no (a, b) pair is in both sets.
   */
  splits(sizes: AdditionSplitSizes): {
    readonly train: AdditionBatch;
    readonly test: AdditionBatch;
  };
}

/** Checks `binaryAddition`'s options; `bits` defaults to 8. */
export function validateBinaryAdditionOptions(
  options: Partial<BinaryAdditionOptions> | undefined,
): Validation<{ bits: number; seed: number }> {
  const o = options ?? {};
  return pipe(
    E.Do,
    E.apS('bits', integerIn(FN, 'bits', o.bits ?? 8, 1, 30)),
    E.apS('seed', seedOf(FN, o.seed)),
  );
}

function drawPair(rng: Rng, range: number): AdditionPair {
  const a = rng.nextInt(range);
  const b = rng.nextInt(range);
  return { a, b, c: a + b };
}

function validateSplitSizes(
  sizes: AdditionSplitSizes | undefined,
  bits: number,
): Validation<AdditionSplitSizes> {
  const fn = `${FN}.splits`;
  const distinct = 4 ** (bits - 1);
  const s: Partial<AdditionSplitSizes> = sizes ?? {};
  return pipe(
    E.Do,
    E.apS('train', integerIn(fn, 'train', s.train, 0, Number.MAX_SAFE_INTEGER)),
    E.apS('test', integerIn(fn, 'test', s.test, 0, Number.MAX_SAFE_INTEGER)),
    E.flatMap((v) =>
      ensure(
        v,
        v.train + v.test <= distinct,
        () =>
          new DatasetError(
            `${fn}: train + test must be at most ${distinct}, the number of distinct (a, b) pairs ` +
              `with bits = ${bits}; got ${v.train} + ${v.test} = ${v.train + v.test}. ` +
              'Use more bits or smaller splits.',
          ),
      ),
    ),
  );
}

/**
 * A seeded binary-addition task: a and b uniform in [0, 2^(bits−1)), c = a + b < 2^bits, encoded
 * over T = bits steps least significant bit first. See `AdditionBatch` for the [B, T, F] layout.
 * @example
 * const task = binaryAddition({ bits: 8, seed: 0 });
 * const { train, test } = task.splits({ train: 1000, test: 200 });
 * train.inputs.shape; // [1000, 8, 2]
 */
export function binaryAddition(options: BinaryAdditionOptions): BinaryAddition {
  const { bits, seed } = orThrow(validateBinaryAdditionOptions(options));
  const range = 2 ** (bits - 1);

  function* pairs(): Generator<AdditionPair, never, undefined> {
    const rng = splitmix32(seed);
    while (true) yield drawPair(rng, range);
  }

  return {
    bits,
    seed,
    pairs,
    *examples() {
      const stream = pairs();
      while (true) {
        const p = stream.next().value;
        const { inputs, targets } = encodeBits([p], bits, 'binaryAddition.examples');
        yield {
          ...p,
          inputs: tensor(inputs, { shape: [bits, 2] }),
          targets: tensor(targets, { shape: [bits, 1] }),
        };
      }
    },
    batches(batchSize: number) {
      // Checked here, not inside the generator, so a bad size throws at the call.
      const size = orThrow(integerIn(`${FN}.batches`, 'batchSize', batchSize, 1, 2 ** 24));
      return (function* () {
        const stream = pairs();
        while (true) {
          const chunk: AdditionPair[] = [];
          for (let i = 0; i < size; i++) chunk.push(stream.next().value);
          yield { pairs: chunk, ...encodeAdditionPairs(chunk, bits) };
        }
      })();
    },
    splits(sizes: AdditionSplitSizes) {
      const { train, test } = orThrow(validateSplitSizes(sizes, bits));
      const seen = new Set<number | string>();
      // a * range + b is unique and, while it stays below 2^53, exact; past that use strings.
      const numericKey = 2 * (bits - 1) <= 53;
      const taken: AdditionPair[] = [];
      const stream = pairs();
      while (taken.length < train + test) {
        const p = stream.next().value;
        const key = numericKey ? p.a * range + p.b : `${p.a},${p.b}`;
        if (seen.has(key)) continue;
        seen.add(key);
        taken.push(p);
      }
      const trainPairs = taken.slice(0, train);
      const testPairs = taken.slice(train);
      return {
        train: { pairs: trainPairs, ...encodeAdditionPairs(trainPairs, bits) },
        test: { pairs: testPairs, ...encodeAdditionPairs(testPairs, bits) },
      };
    },
  };
}

/**
 * Encodes problems as batch-major tensors: inputs [B, T, 2], targets [B, T, 1], both float32,
 * bit t at time step t (LSB first). Throws if a, b or c does not fit the layout.
 */
export function encodeAdditionPairs(
  pairs: readonly AdditionPair[],
  bits: number,
): { inputs: Tensor; targets: Tensor } {
  const fn = 'encodeAdditionPairs';
  const T = orThrow(integerIn(fn, 'bits', bits, 1, 30));
  const { inputs, targets } = encodeBits(pairs, T, fn);
  return {
    inputs: tensor(inputs, { shape: [pairs.length, T, 2] }),
    targets: tensor(targets, { shape: [pairs.length, T, 1] }),
  };
}

function encodeBits(
  pairs: readonly AdditionPair[],
  T: number,
  fn: string,
): { inputs: Float32Array; targets: Float32Array } {
  const n = pairs.length;
  const inputs = new Float32Array(n * T * 2);
  const targets = new Float32Array(n * T);
  for (let i = 0; i < n; i++) {
    const { a, b, c } = pairs[i];
    if (c !== a + b) {
      throw new DatasetError(`${fn}: pair ${i} has c = ${c}, but a + b = ${a} + ${b} = ${a + b}.`);
    }
    const aBits = toBitsIn(fn, `pairs[${i}].a`, a, T);
    const bBits = toBitsIn(fn, `pairs[${i}].b`, b, T);
    const cBits = toBitsIn(fn, `pairs[${i}].c`, c, T);
    for (let t = 0; t < T; t++) {
      inputs[(i * T + t) * 2] = aBits[t];
      inputs[(i * T + t) * 2 + 1] = bBits[t];
      targets[i * T + t] = cBits[t];
    }
  }
  return { inputs, targets };
}

function toBitsIn(fn: string, what: string, n: number, bits: number): number[] {
  const max = 2 ** bits;
  if (!(Number.isInteger(n) && n >= 0 && n < max)) {
    throw optionError(fn, what, n, `an integer from 0 to ${max - 1} (it must fit in ${bits} bits)`);
  }
  const out = new Array<number>(bits);
  // Division rather than `>>` so that numbers beyond 32 bits (up to 2^53) work too.
  for (let t = 0; t < bits; t++) {
    out[t] = n % 2;
    n = Math.floor(n / 2);
  }
  return out;
}

/**
 * The `bits` binary digits of `n`, least significant first: toBits(6, 4) = [0, 1, 1, 0].
 * `bits` is 1..53 and n an integer in [0, 2^bits).
 */
export function toBits(n: number, bits: number): number[] {
  const width = orThrow(integerIn('toBits', 'bits', bits, 1, MAX_CODEC_BITS));
  return toBitsIn('toBits', 'n', n, width);
}

/**
 * The integer whose binary digits, least significant first, are `bits` (each 0 or 1, at most
 * 53 of them): the inverse of `toBits`. Accepts a tensor's `data()` as well as an array.
 */
export function fromBits(bits: ArrayLike<number>): number {
  const fn = 'fromBits';
  if (bits.length > MAX_CODEC_BITS) {
    throw optionError(fn, 'bits.length', bits.length, `at most ${MAX_CODEC_BITS}`);
  }
  let n = 0;
  for (let t = bits.length - 1; t >= 0; t--) {
    const bit = bits[t];
    if (bit !== 0 && bit !== 1) throw optionError(fn, `bits[${t}]`, bit, '0 or 1');
    n = n * 2 + bit;
  }
  return n;
}
