// SPDX-License-Identifier: MIT
import { InvalidArgumentError } from '../errors.js';
import { slice } from '../prims/slice.js';
import { formatShape, normalizeAxis } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * Splits `x` along `axis` (default 0) into pieces, as numpy's `split`: a number of equal
 * `sections` (which must divide the axis), or the sorted `indices` where pieces begin after the
 * first (out-of-range indices give empty pieces, as numpy). Each piece is a slice, so gradients
 * flow back into `x`. Example: `split(tensor([1, 2, 3, 4, 5]), [2, 3])` gives `[1, 2]`, `[3]`,
 * `[4, 5]`.
 */
export function split(x: Tensor, sections: number | readonly number[], axis = 0): Tensor[] {
  const ax = normalizeAxis('split', axis, x.ndim, x.shape);
  const n = x.shape[ax];
  let bounds: number[];
  if (typeof sections === 'number') {
    if (!Number.isInteger(sections) || sections < 1 || n % sections !== 0) {
      throw new InvalidArgumentError(
        `split: ${sections} sections do not divide axis ${ax} (size ${n}) of ` +
          `${formatShape(x.shape)} equally; give a divisor of ${n} or a list of split indices.`,
      );
    }
    const k = n / sections;
    bounds = Array.from({ length: sections + 1 }, (_, i) => i * k);
  } else {
    if (!sections.every(Number.isInteger)) {
      throw new InvalidArgumentError(
        `split: indices [${sections}] for ${formatShape(x.shape)} must be integers.`,
      );
    }
    // Python slice semantics: negative indices count from the end, everything clamps to [0, n].
    const clampIndex = (i: number) => Math.min(Math.max(i < 0 ? i + n : i, 0), n);
    bounds = [0, ...sections.map(clampIndex), n];
  }
  return bounds.slice(0, -1).map((start, i) => {
    const end = Math.max(bounds[i + 1], start);
    const starts = x.shape.map((_, d) => (d === ax ? start : 0));
    const limits = x.shape.map((m, d) => (d === ax ? end : m));
    return slice(x, starts, limits);
  });
}
