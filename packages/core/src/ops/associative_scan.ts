// SPDX-License-Identifier: MIT
// Parallel prefix scan built from slices, concatenation and interleaving, as
// jax.lax.associative_scan: depth O(log n) and O(n) applications of `fn`. Cumulative sums,
// products and maxima are written with it instead of dedicated primitives because every piece
// is an existing primitive: jvp, transpose, batching and both jit lowerings come for free, and
// derivatives are exact (cumprod's at zeros included, which the x·cumprod/x shortcut gets wrong).
import { InvalidArgumentError } from '../errors.js';
import { concatenate } from '../prims/concatenate.js';
import { reshape } from '../prims/reshape.js';
import { flip } from '../prims/rev.js';
import { slice } from '../prims/slice.js';
import { normalizeAxis } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';

/** Where and in which direction `associativeScan` (and the cumulative ops) run. */
export interface ScanAxisOptions {
  /**
   * The scanned axis (negative counts from the end). associativeScan defaults to 0; cumsum,
   * cumprod and cummax scan the flattened array when it is omitted, as numpy does.
   */
  readonly axis?: number;
  /** Scan from the end: out[i] combines x[i..n-1] instead of x[0..i]. */
  readonly reverse?: boolean;
}

/** x[start:limit:step] along `axis`. */
function along(x: Tensor, axis: number, start: number, limit: number, step = 1): Tensor {
  const starts = x.shape.map((_, d) => (d === axis ? start : 0));
  const limits = x.shape.map((n, d) => (d === axis ? limit : n));
  const steps = x.shape.map((_, d) => (d === axis ? step : 1));
  return slice(x, starts, limits, steps);
}

/** even[0], odd[0], even[1], odd[1], ... along `axis` (even has as many or one more). */
function interleave(even: Tensor, odd: Tensor, axis: number): Tensor {
  const ne = even.shape[axis];
  const no = odd.shape[axis];
  // Pair them up as a new axis after `axis`, then merge: a stack and a reshape, exact.
  const paired = (e: Tensor, o: Tensor) => {
    const withAxis = (t: Tensor) =>
      reshape(t, [...t.shape.slice(0, axis + 1), 1, ...t.shape.slice(axis + 1)]);
    const both = concatenate([withAxis(e), withAxis(o)], axis + 1);
    const merged = [...e.shape];
    merged[axis] = 2 * e.shape[axis];
    return reshape(both, merged);
  };
  if (ne === no) return paired(even, odd);
  const head = paired(along(even, axis, 0, no), odd);
  return concatenate([head, along(even, axis, no, ne)], axis);
}

/** The inclusive scan of `x` along `axis` (forward), by recursive pairwise reduction. */
function scanForward(fn: (a: Tensor, b: Tensor) => Tensor, x: Tensor, axis: number): Tensor {
  const n = x.shape[axis];
  if (n < 2) return x;
  // Combine neighbours, scan the half-length result (odd positions), then fix up the evens.
  // The recursion is log2(n) deep, so it needs no explicit stack.
  const reduced = fn(along(x, axis, 0, n - 1, 2), along(x, axis, 1, n, 2));
  const odd = scanForward(fn, reduced, axis);
  const restEven = along(x, axis, 2, n, 2);
  const evenTail =
    restEven.shape[axis] === 0
      ? null
      : fn(n % 2 === 0 ? along(odd, axis, 0, odd.shape[axis] - 1) : odd, restEven);
  const first = along(x, axis, 0, 1);
  const even = evenTail ? concatenate([first, evenTail], axis) : first;
  return interleave(even, odd, axis);
}

/**
 * Inclusive scan of `x` along `axis` with an associative binary `fn` (jax.lax.associative_scan
 * over one array): out[i] = x[0] ∘ x[1] ∘ … ∘ x[i], in O(log n) depth. `fn` must act
 * elementwise on equal shapes (e.g. `add`, `mul`, `maximum`, or a composite of them).
 * Example: `associativeScan(add, tensor([1, 2, 3]))` is `[1, 3, 6]`.
 */
export function associativeScan(
  fn: (a: Tensor, b: Tensor) => Tensor,
  x: Tensor,
  { axis = 0, reverse = false }: ScanAxisOptions = {},
): Tensor {
  if (x.ndim === 0) {
    throw new InvalidArgumentError(
      `associativeScan: ${x.aval} is a scalar; scans need an axis to run along.`,
    );
  }
  const ax = normalizeAxis('associativeScan', axis, x.ndim, x.shape);
  if (!reverse) return scanForward(fn, x, ax);
  return flip(scanForward(fn, flip(x, ax), ax), ax);
}
