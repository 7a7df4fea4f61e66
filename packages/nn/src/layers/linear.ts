// SPDX-License-Identifier: MIT
import { type DType, random, type Tensor } from '@loom/core';
import { zeros } from '../init/basic.js';
import type { Initializer } from '../init/initializer.js';
import { glorotUniform } from '../init/variance_scaling.js';
import { checkConfig } from '../validate.js';

/** Parameters of a dense layer: `w` is [in, out] (so `x · w` needs no transpose), `b` is [out]. */
export interface LinearParams {
  readonly w: Tensor;
  readonly b?: Tensor;
}

/** Static configuration of a dense layer (kept outside the parameter tree). */
export interface LinearConfig {
  inFeatures: number;
  outFeatures: number;
  /** Whether to add a bias (default true). */
  bias?: boolean;
  /** Weight initializer (default Glorot uniform). */
  init?: Initializer;
  /** Bias initializer (default zeros). */
  biasInit?: Initializer;
  dtype?: DType;
}

/**
 * A dense layer y = x · w + b. Parameters are a plain tree; `apply` is a pure function, so it
 * works under grad (and later jit/vmap) and over any number of leading batch axes.
 * @example
 * const params = linear.init(random.key(0), { inFeatures: 3, outFeatures: 2 });
 * const y = linear.apply(params, tensor([[1, 2, 3]])); // [1, 2]
 */
export const linear = {
  /** Draws `{ w: [in, out], b: [out] }` (no `b` when `bias` is false). */
  init(key: Tensor, config: LinearConfig): LinearParams {
    checkConfig('linear.init', config, {
      sizes: ['inFeatures', 'outFeatures'],
      initializers: ['init', 'biasInit'],
      booleans: ['bias'],
    });
    const { inFeatures, outFeatures, bias = true, dtype = 'float32' } = config;
    const [kw, kb] = random.split(key);
    const w = (config.init ?? glorotUniform)(kw, [inFeatures, outFeatures], dtype);
    if (!bias) return { w };
    return { w, b: (config.biasInit ?? zeros)(kb, [outFeatures], dtype) };
  },
  /** x [..., in] → [..., out]. */
  apply(params: LinearParams, x: Tensor): Tensor {
    const y = x.matmul(params.w);
    return params.b ? y.add(params.b) : y;
  },
};
