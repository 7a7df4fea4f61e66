// SPDX-License-Identifier: MIT
import { random } from '@loom/core';
import { fans, type Initializer } from './initializer.js';

/** Options of `varianceScaling`, the family behind Glorot, He and LeCun initialization. */
export interface VarianceScalingOptions {
  /** Which fan divides the scale: 'fanIn', 'fanOut' or 'fanAvg' ((in + out) / 2). */
  mode: 'fanIn' | 'fanOut' | 'fanAvg';
  /** Draw from a 'normal' with variance scale/n, or a 'uniform' on ±√(3·scale/n). */
  distribution: 'normal' | 'uniform';
}

/**
 * Samples with variance `scale / n`, n chosen by `mode` (as flax's `variance_scaling`, except that
 * 'normal' is a plain normal, not a truncated one).
 */
export function varianceScaling(scale: number, options: VarianceScalingOptions): Initializer {
  return (key, shape, dtype = 'float32') => {
    const { fanIn, fanOut } = fans(shape);
    const n =
      options.mode === 'fanIn' ? fanIn : options.mode === 'fanOut' ? fanOut : (fanIn + fanOut) / 2;
    const variance = scale / Math.max(1, n);
    if (options.distribution === 'normal') {
      return random.normal(key, shape, { dtype, std: Math.sqrt(variance) });
    }
    const limit = Math.sqrt(3 * variance);
    return random.uniform(key, shape, { minval: -limit, maxval: limit, dtype });
  };
}

/** Glorot/Xavier uniform: U(±√(6 / (fanIn + fanOut))). The default for `linear` weights. */
export const glorotUniform: Initializer = varianceScaling(1, {
  mode: 'fanAvg',
  distribution: 'uniform',
});

/** Glorot/Xavier normal: N(0, 2 / (fanIn + fanOut)). */
export const glorotNormal: Initializer = varianceScaling(1, {
  mode: 'fanAvg',
  distribution: 'normal',
});

/** He/Kaiming uniform: U(±√(6 / fanIn)), for ReLU layers. */
export const heUniform: Initializer = varianceScaling(2, {
  mode: 'fanIn',
  distribution: 'uniform',
});

/** He/Kaiming normal: N(0, 2 / fanIn), for ReLU layers. */
export const heNormal: Initializer = varianceScaling(2, { mode: 'fanIn', distribution: 'normal' });

/** LeCun normal: N(0, 1 / fanIn). */
export const lecunNormal: Initializer = varianceScaling(1, {
  mode: 'fanIn',
  distribution: 'normal',
});
