// SPDX-License-Identifier: MIT
import { ConcreteTensor, creationCount } from '../tensor/concrete.js';
import type { DType } from '../tensor/dtype.js';
import { formatShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { flattenDiffArgs, flattenOutput } from './flat.js';
import { linearizeFlat } from './linearize.js';

const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };

export interface SavedResidual {
  shape: readonly number[];
  dtype: DType;
  bytes: number;
  /**
   * 'argument' when the residual existed before the call (an argument or a captured constant,
   * so it costs no extra memory), 'computed' when the forward pass created it.
   */
  source: 'argument' | 'computed';
}

export interface SavedResidualsReport {
  residuals: SavedResidual[];
  /** Bytes of computed residuals: the memory reverse mode adds on top of the inputs. */
  savedBytes: number;
  toString(): string;
}

/**
 * Lists what reverse mode keeps from the forward pass of `f` at these arguments (like JAX's
 * `print_saved_residuals`): every residual's shape, dtype and size, and whether it is just an
 * input. Use it to see what `checkpoint` saves.
 */
export function savedResiduals<A extends unknown[]>(
  f: (...args: A) => unknown,
): (...args: A) => SavedResidualsReport {
  return (...args: A) => {
    const before = creationCount();
    const flat = flattenDiffArgs(
      'savedResiduals',
      args,
      args.map((_, i) => i),
      false,
    );
    const { jaxpr } = linearizeFlat(
      (...leaves: Tensor[]) =>
        flattenOutput('savedResiduals', f(...(flat.rebuild(leaves) as A)))[0],
      flat.leaves,
    );
    const residuals = jaxpr.consts.map(
      (c): SavedResidual => ({
        shape: c.shape,
        dtype: c.dtype,
        bytes: c.size * BYTES[c.dtype],
        source: c instanceof ConcreteTensor && c.serial < before ? 'argument' : 'computed',
      }),
    );
    const savedBytes = residuals
      .filter((r) => r.source === 'computed')
      .reduce((s, r) => s + r.bytes, 0);
    return {
      residuals,
      savedBytes,
      toString: () =>
        [
          ...residuals.map(
            (r) => `${r.dtype}${formatShape(r.shape)}  ${r.bytes} bytes  (${r.source})`,
          ),
          `total saved (computed): ${savedBytes} bytes`,
        ].join('\n'),
    };
  };
}
