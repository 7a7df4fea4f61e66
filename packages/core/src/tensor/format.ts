// SPDX-License-Identifier: MIT
import type { DType, TypedArray } from './dtype.js';
import type { Shape } from './shape.js';

const MAX_SHOWN = 6; // per axis, before eliding the middle with "..."

function formatNumber(x: number, dtype: DType): string {
  if (dtype === 'bool') return x ? 'true' : 'false';
  if (dtype === 'int32') return String(x);
  if (Number.isInteger(x) && Math.abs(x) < 1e6) return `${x}.`;
  const a = Math.abs(x);
  return a !== 0 && (a < 1e-4 || a >= 1e6) ? x.toExponential(4) : String(Number(x.toPrecision(6)));
}

/** numpy-like printing: `Tensor(float32[2,2]) [[1., 2.], [3., 4.]]`, eliding long axes. */
export function formatTensor(buffer: TypedArray, shape: Shape, dtype: DType): string {
  const strides: number[] = [];
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  const render = (offset: number, axis: number): string => {
    if (axis === shape.length) return formatNumber(buffer[offset], dtype);
    const n = shape[axis];
    const idx =
      n > MAX_SHOWN ? [0, 1, 2, -1, n - 3, n - 2, n - 1] : Array.from({ length: n }, (_, i) => i);
    const parts = idx.map((i) => (i < 0 ? '...' : render(offset + i * strides[axis], axis + 1)));
    return `[${parts.join(', ')}]`;
  };
  return `Tensor(${dtype}[${shape.join(',')}]) ${render(0, 0)}`;
}
