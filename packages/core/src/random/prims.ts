// SPDX-License-Identifier: MIT
// Random primitives: they take a key tensor as input (so keys can be traced, split and carried
// through scan and jit) and have no tangent.
import { DtypeError, ShapeError } from '../errors.js';
import { randomBits } from '../kernels/threefry.js';
import { moveAxis, reshapeTo } from '../prims/batching.js';
import { concatenatePrim } from '../prims/concatenate.js';
import { slicePrim } from '../prims/slice.js';
import { ShapedArray } from '../tensor/aval.js';
import { ConcreteTensor } from '../tensor/concrete.js';
import { allocate, type DType } from '../tensor/dtype.js';
import type { Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { definePrimitive, type Primitive } from '../trace/primitive.js';
import { bind1 } from '../trace/trace.js';

export interface RandomParams {
  readonly [key: string]: unknown;
  readonly shape: Shape;
  readonly dtype: DType;
}

export function checkKey(op: string, key: ShapedArray): void {
  if (key.dtype !== 'int32' || key.ndim !== 1 || key.shape[0] !== 2) {
    throw new ShapeError(
      `${op}: expected a PRNG key (int32[2] from random.key or random.split), got ${key}.`,
    );
  }
}

function keyWords(key: ConcreteTensor): [number, number] {
  return [key.buffer[0] >>> 0, key.buffer[1] >>> 0];
}

/** Raw 32-bit words (stored as int32) for a key. */
export const randomBitsPrim: Primitive<RandomParams> = definePrimitive<RandomParams>({
  name: 'random_bits',
  abstractEval([key], { shape }) {
    checkKey('random_bits', key);
    return [new ShapedArray(shape, 'int32')];
  },
  impl([key], _, [out]) {
    const bits = randomBits(...keyWords(key), out.size);
    return [
      new ConcreteTensor(
        new Int32Array(bits.buffer, bits.byteOffset, bits.length).slice(),
        out.shape,
      ),
    ];
  },
  jvp([key], _, params) {
    return [[bind1(randomBitsPrim, [key], params)], [null]];
  },
  batch(size, [key], [d], params) {
    return batchPerKey(randomBitsPrim, size, key, d!, params);
  },
});

/** Uniform floats in [0, 1) for a key, from the top mantissa bits of each word. */
export const randomUniformPrim: Primitive<RandomParams> = definePrimitive<RandomParams>({
  name: 'random_uniform',
  abstractEval([key], { shape, dtype }) {
    checkKey('random_uniform', key);
    if (dtype !== 'float32' && dtype !== 'float64') {
      throw new DtypeError(`random_uniform: dtype must be float32 or float64, got ${dtype}.`);
    }
    return [new ShapedArray(shape, dtype)];
  },
  impl([key], { dtype }, [out]) {
    const bits = randomBits(...keyWords(key), out.size);
    const buffer = allocate(dtype, out.size);
    // 23 (float32) or 32 bits of each word: the result is exactly representable and below 1.
    if (dtype === 'float32')
      for (let i = 0; i < bits.length; i++) buffer[i] = (bits[i] >>> 9) * 2 ** -23;
    else for (let i = 0; i < bits.length; i++) buffer[i] = bits[i] * 2 ** -32;
    return [new ConcreteTensor(buffer, out.shape)];
  },
  jvp([key], _, params) {
    return [[bind1(randomUniformPrim, [key], params)], [null]];
  },
  batch(size, [key], [d], params) {
    return batchPerKey(randomUniformPrim, size, key, d!, params);
  },
});

/**
 * Batched keys: one draw per key (each example's numbers must equal what its own key gives
 * alone, so draws cannot be fused), stacked along a new leading axis.
 */
export function batchPerKey(
  prim: Primitive<RandomParams>,
  size: number,
  keys: Tensor,
  d: number,
  params: RandomParams,
): [Tensor[], (number | null)[]] {
  const k = moveAxis(keys, d, 0); // [B, 2]
  const draws = Array.from({ length: size }, (_, b) => {
    const key = reshapeTo(
      bind1(slicePrim, [k], { starts: [b, 0], limits: [b + 1, 2], steps: [1, 1] }),
      [2],
    );
    const out = bind1(prim, [key], params);
    return reshapeTo(out, [1, ...out.shape]);
  });
  const stacked = draws.length === 1 ? draws[0] : bind1(concatenatePrim, draws, { axis: 0 });
  return [[stacked], [0]];
}
