// SPDX-License-Identifier: MIT
// variance and std over axes, with numpy's `ddof` (delta degrees of freedom). Composites: their
// derivatives come from the primitives they call. Two passes (subtract the mean, then square)
// so a large mean does not cancel the spread away.
import { InvalidArgumentError } from '../errors.js';
import { checkOptionKeys } from '../options.js';
import { astype } from '../prims/convert_element_type.js';
import { div } from '../prims/div.js';
import { mul } from '../prims/mul.js';
import { sqrt } from '../prims/sqrt.js';
import { sub } from '../prims/sub.js';
import { isFloat } from '../tensor/dtype.js';
import { normalizeAxes } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { type Axis, mean, sum } from './reductions.js';

/** Options of {@link variance} and {@link std}. */
export interface VarianceOptions {
  /** Keep the reduced axes as size-1 dimensions (default false). */
  keepdims?: boolean;
  /**
   * Delta degrees of freedom: the sum of squared deviations is divided by N − ddof, where N is
   * the number of elements reduced (default 0, the population variance; 1 gives the unbiased
   * sample variance). N − ddof must be positive.
   */
  ddof?: number;
}

const OPTION_KEYS = ['keepdims', 'ddof'] as const;

function spread(op: string, x: Tensor, axis: Axis, options: VarianceOptions | undefined): Tensor {
  if (!(x instanceof Tensor)) {
    throw new InvalidArgumentError(`${op}: expected a Tensor as the input, got ${typeof x}.`);
  }
  checkOptionKeys(op, options, OPTION_KEYS);
  const { keepdims = false, ddof = 0 } = options ?? {};
  if (typeof keepdims !== 'boolean') {
    throw new InvalidArgumentError(`${op}: keepdims must be a boolean, got ${String(keepdims)}.`);
  }
  if (typeof ddof !== 'number' || !Number.isFinite(ddof)) {
    throw new InvalidArgumentError(`${op}: ddof must be a finite number, got ${String(ddof)}.`);
  }
  const axes = normalizeAxes(op, axis, x.shape);
  const count = axes.reduce((n, a) => n * x.shape[a], 1);
  // numpy returns inf or NaN (with a warning) here and JAX NaN; a shape-time error says why.
  if (count - ddof <= 0) {
    throw new InvalidArgumentError(
      `${op}: ddof ${ddof} leaves no degrees of freedom: reducing axes [${axes.join(', ')}] of ` +
        `shape [${x.shape.join(', ')}] covers ${count} element${count === 1 ? '' : 's'}, and ` +
        `the divisor N − ddof must be positive (use ddof < ${count}).`,
    );
  }
  const input = isFloat(x.dtype) ? x : astype(x, 'float32');
  const centered = sub(input, mean(input, axes, true));
  return div(sum(mul(centered, centered), axes, keepdims), count - ddof);
}

/**
 * Variance over `axis` (all axes by default): the mean squared deviation from the mean, with the
 * sum divided by N − `ddof`. Integer and bool inputs give float32. Named `variance` because `var`
 * is a reserved word.
 *
 * @example
 * ```ts
 * const x = tensor([[1, 2], [3, 5]]);
 * variance(x).item();                    // 2.1875
 * variance(x, 1, { ddof: 1 }).toArray(); // [0.5, 2]
 * ```
 */
export function variance(x: Tensor, axis?: Axis, options?: VarianceOptions): Tensor {
  return spread('variance', x, axis, options);
}

/**
 * Standard deviation over `axis`: √variance, with the same `keepdims` and `ddof` options. Its
 * gradient is NaN where the spread is exactly zero (as √ is not differentiable at 0; JAX agrees).
 *
 * @example
 * ```ts
 * std(tensor([2, 4, 4, 4, 5, 5, 7, 9])).item(); // 2
 * ```
 */
export function std(x: Tensor, axis?: Axis, options?: VarianceOptions): Tensor {
  return sqrt(spread('std', x, axis, options));
}
