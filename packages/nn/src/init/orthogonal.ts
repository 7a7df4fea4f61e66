// SPDX-License-Identifier: MIT
import { eye, InvalidArgumentError, random, ShapeError, tensor } from '@loom/core';
import type { Initializer } from './initializer.js';

/**
 * Orthonormalizes the columns of a row-major rows×cols matrix (rows ≥ cols) in place with
 * modified Gram–Schmidt, in float64. Each column's sign is fixed so that the implied R has a
 * positive diagonal, which makes Q uniformly (Haar) distributed, as with QR in numpy.
 */
function gramSchmidt(a: Float64Array, rows: number, cols: number): void {
  for (let j = 0; j < cols; j++) {
    for (let k = 0; k < j; k++) {
      let dot = 0;
      for (let i = 0; i < rows; i++) dot += a[i * cols + j] * a[i * cols + k];
      for (let i = 0; i < rows; i++) a[i * cols + j] -= dot * a[i * cols + k];
    }
    let norm = 0;
    for (let i = 0; i < rows; i++) norm += a[i * cols + j] ** 2;
    norm = Math.sqrt(norm);
    // A (measure-zero) degenerate column would divide by zero; nudge it instead.
    const inv = norm > 0 ? 1 / norm : 0;
    for (let i = 0; i < rows; i++) a[i * cols + j] *= inv;
  }
}

/**
 * Orthogonal initializer (Saxe et al. 2014): a random orthogonal matrix times `scale`, from the
 * QR decomposition (here Gram–Schmidt) of a standard normal matrix. The shape is viewed as
 * [prod(shape[:-1]), shape[-1]]; when that has more columns than rows the rows are orthonormal,
 * otherwise the columns are. Runs on concrete data in plain JS, so call it outside `jit`.
 */
export function orthogonal(scale = 1): Initializer {
  return (key, shape, dtype = 'float32') => {
    if (shape.length < 2) {
      throw new ShapeError(
        `orthogonal: needs a shape of rank ≥ 2, got [${shape.join(', ')}]; use normal for vectors.`,
      );
    }
    const cols = shape[shape.length - 1];
    const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const tall = rows >= cols;
    const [r, c] = tall ? [rows, cols] : [cols, rows];
    const a = random.normal(key, [r, c], { dtype: 'float64' }).data() as Float64Array;
    gramSchmidt(a, r, c);
    const out = new Float64Array(rows * cols);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        out[i * cols + j] = scale * (tall ? a[i * cols + j] : a[j * rows + i]);
      }
    }
    return tensor(out, { dtype, shape });
  };
}

/**
 * `scale` times the identity (the IRNN recurrent initializer of Le, Jaitly and Hinton 2015).
 * Rectangular shapes get ones on the main diagonal. The key is ignored.
 */
export function identity(scale = 1): Initializer {
  return (_key, shape, dtype = 'float32') => {
    if (shape.length !== 2) {
      throw new InvalidArgumentError(`identity: needs a 2-D shape, got [${shape.join(', ')}].`);
    }
    const id = eye(shape[0], shape[1], dtype);
    return scale === 1 ? id : id.mul(scale);
  };
}
