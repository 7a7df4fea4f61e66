// SPDX-License-Identifier: MIT
import { ShapeError, type Tensor, tree, where } from '@loom/core';

/**
 * Checks a mask against xs — [B, T] for batch-major xs [B, T, ...], [T, B] for time-major — and
 * turns it into booleans (float masks count as "real step" wherever they are non-zero).
 */
export function boolMask(op: string, mask: Tensor, xs: Tensor, timeMajor: boolean): Tensor {
  if (mask.ndim !== 2 || mask.shape[0] !== xs.shape[0] || mask.shape[1] !== xs.shape[1]) {
    const layout = timeMajor ? '[T, B]' : '[B, T]';
    throw new ShapeError(
      `${op}: the mask has shape [${mask.shape.join(', ')}] but must be ${layout} = ` +
        `[${xs.shape.slice(0, 2).join(', ')}] to match xs [${xs.shape.join(', ')}]` +
        `${timeMajor ? ' (timeMajor: true)' : ' (batch-major)'}.`,
    );
  }
  return mask.dtype === 'bool' ? mask : mask.ne(0);
}

/** m [B] reshaped to broadcast against a [B, ...] leaf. */
function against(m: Tensor, leaf: Tensor): Tensor {
  return m.reshape([m.shape[0], ...leaf.shape.slice(1).map(() => 1)]);
}

/** Per example: the new carry where the step is real, the old one where it is padding. */
export function holdCarry<C>(m: Tensor, next: C, prev: C): C {
  return tree.map((n, p) => where(against(m, n), n, p), next, prev) as unknown as C;
}

/** Per example: the output where the step is real, zeros where it is padding. */
export function zeroPadded(m: Tensor, out: Tensor): Tensor {
  return where(against(m, out), out, 0);
}
