// SPDX-License-Identifier: MIT
import { type DType, full, mean, rsqrt, ShapeError, type Tensor } from '@loom/core';
import { checkConfig, finite, orThrow } from '../validate.js';

/** Parameters of a normalization layer: per-feature `scale` [F] and (layerNorm) `bias` [F]. */
export interface NormParams {
  readonly scale?: Tensor;
  readonly bias?: Tensor;
}

/** Static configuration of `layerNorm` and `rmsNorm`. */
export interface NormConfig {
  /** Size of the normalized (last) axis. */
  features: number;
  /** Learn a per-feature scale (default true). */
  scale?: boolean;
  /** Learn a per-feature bias (default true; layerNorm only). */
  bias?: boolean;
  dtype?: DType;
}

/** Options of a normalization layer's `apply`. */
export interface NormOptions {
  /** Added to the variance (mean square) before the square root (default 1e-6, as flax). */
  epsilon?: number;
}

function checkInput(op: string, params: NormParams, x: Tensor): void {
  const features = params.scale?.shape[0] ?? params.bias?.shape[0];
  const last = x.shape[x.ndim - 1];
  if (x.ndim === 0 || (features !== undefined && last !== features)) {
    throw new ShapeError(
      `${op}: x ${x.dtype}[${x.shape.join(', ')}] must end with the ${features ?? 'normalized'} ` +
        'features the layer was built for (normalization is over the last axis).',
    );
  }
}

function epsilonOf(op: string, options: NormOptions): number {
  const epsilon = options.epsilon ?? 1e-6;
  orThrow(finite(op, 'epsilon', epsilon));
  return epsilon;
}

function initParams(op: string, config: NormConfig, withBias: boolean): NormParams {
  checkConfig(op, config, {
    sizes: ['features'],
    booleans: withBias ? ['scale', 'bias'] : ['scale'],
  });
  const { features, dtype = 'float32' } = config;
  return {
    ...(config.scale === false ? {} : { scale: full([features], 1, dtype) }),
    ...(withBias && config.bias !== false ? { bias: full([features], 0, dtype) } : {}),
  };
}

/**
 * Layer normalization (Ba et al. 2016), as flax's LayerNorm: over the last axis,
 * y = (x − mean) / √(var + ε) · scale + bias (var the biased variance, two-pass).
 * @example
 * const ln = layerNorm.init({ features: 128 });
 * const y = layerNorm.apply(ln, h); // h [B, T, 128]
 */
export const layerNorm = {
  /** `{ scale: ones [F], bias: zeros [F] }` (either left out when disabled). */
  init(config: NormConfig): NormParams {
    return initParams('layerNorm.init', config, true);
  },
  /** x [..., F] → [..., F]. */
  apply(params: NormParams, x: Tensor, options: NormOptions = {}): Tensor {
    checkInput('layerNorm.apply', params, x);
    const epsilon = epsilonOf('layerNorm.apply', options);
    const centered = x.sub(mean(x, -1, true));
    const variance = mean(centered.mul(centered), -1, true);
    let y = centered.mul(rsqrt(variance.add(epsilon)));
    if (params.scale) y = y.mul(params.scale);
    return params.bias ? y.add(params.bias) : y;
  },
};

/**
 * Root-mean-square normalization (Zhang & Sennrich 2019), as flax's RMSNorm: over the last
 * axis, y = x / √(mean(x²) + ε) · scale (no centring, no bias).
 * @example
 * const norm = rmsNorm.init({ features: 64 });
 * const y = rmsNorm.apply(norm, x);
 */
export const rmsNorm = {
  /** `{ scale: ones [F] }` (empty when `scale` is false). */
  init(config: Omit<NormConfig, 'bias'>): NormParams {
    return initParams('rmsNorm.init', config, false);
  },
  /** x [..., F] → [..., F]. */
  apply(params: NormParams, x: Tensor, options: NormOptions = {}): Tensor {
    checkInput('rmsNorm.apply', params, x);
    const epsilon = epsilonOf('rmsNorm.apply', options);
    const y = x.mul(rsqrt(mean(x.mul(x), -1, true).add(epsilon)));
    return params.scale ? y.mul(params.scale) : y;
  },
};
