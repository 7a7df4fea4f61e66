// SPDX-License-Identifier: MIT
import { DtypeError, InvalidArgumentError, ShapeError, TreeStructureError } from '../errors.js';
import { traceToJaxpr } from '../ir/staging.js';
import { checkOptionKeys } from '../options.js';
import { ShapedArray } from '../tensor/aval.js';
import type { Tensor } from '../tensor/tensor.js';
import { equalityErrors, type TreeDef, unflatten } from '../tree/tree.js';
import { bindScan } from './scan_primitive.js';
import { scanUnrolled } from './scan_unroll.js';
import { pathSuffix, tensorLeaves } from './trace_tree.js';

export interface ScanOptions {
  /** Number of steps; required when `xs` is null, otherwise must match xs' leading axis. */
  length?: number;
  /** Iterate from the last step to the first (ys stay aligned with xs). */
  reverse?: boolean;
  /**
   * Steps per iteration of the loop (1 = no unrolling): the body holds `unroll` copies of the
   * step, so a compiled loop runs fewer, longer iterations. Values are the same; gradients equal
   * up to rounding (per-group sums change the summation order).
   */
  unroll?: number;
  /** Reverse mode stores only the per-step carries and recomputes each step's body. */
  checkpoint?: boolean;
}

const SCAN_OPTION_KEYS = ['length', 'reverse', 'unroll', 'checkpoint'];

function inferLength(xsLeaves: Tensor[], xsPaths: string[], length: number | undefined): number {
  if (length !== undefined && (!Number.isInteger(length) || length < 0)) {
    throw new InvalidArgumentError(`scan: length must be a non-negative integer, got ${length}.`);
  }
  const sizes = xsLeaves.map((x, i) => {
    if (x.ndim === 0) {
      throw new ShapeError(
        `scan: xs${pathSuffix(xsPaths[i])} is a scalar ${x.aval}; xs leaves need a leading (time) axis.`,
      );
    }
    return x.shape[0];
  });
  if (sizes.length === 0) {
    if (length === undefined) {
      throw new InvalidArgumentError(
        'scan: xs is empty (null) and no length was given; pass { length }.',
      );
    }
    return length;
  }
  const distinct = [...new Set(sizes)];
  if (distinct.length > 1) {
    const listing = xsLeaves.map((x, i) => `xs${pathSuffix(xsPaths[i])}: ${x.aval}`).join(', ');
    throw new ShapeError(
      `scan: the leading axes of xs differ (${listing}); every xs leaf must have the same length.`,
    );
  }
  if (length !== undefined && length !== sizes[0]) {
    throw new ShapeError(
      `scan: length ${length} disagrees with the leading axis of xs, ${sizes[0]}.`,
    );
  }
  return sizes[0];
}

/**
 * Loops `f(carry, x) -> [carry, y]` over the leading axis of `xs`, returning the final carry and
 * the stacked ys. `f` is traced once into IR (never unrolled), so the program stays the same size
 * for 10 or 10,000 steps, and `grad` of a scan is backpropagation through time: the backward pass
 * is a reverse scan that accumulates the gradients of the parameters `f` closes over.
 *
 * Semantics, as a plain loop:
 * ```
 * carry = init; ys = []
 * for t in 0..length-1 (reversed if reverse): [carry, ys[t]] = f(carry, xs[t])
 * return [carry, stack(ys)]
 * ```
 * @example
 * const step = (h: Tensor, x: Tensor) => { const h2 = tanh(x.matmul(wx).add(h.matmul(wh))); return [h2, h2] as const; };
 * const [hLast, hs] = scan(step, h0, xs);
 */
export function scan<C, X, Y>(
  f: (carry: C, x: X) => readonly [C, Y],
  init: C,
  xs: X | null,
  options: ScanOptions = {},
): [C, Y] {
  checkOptionKeys('scan', options, SCAN_OPTION_KEYS);
  const { reverse = false, unroll = 1, checkpoint = false } = options;
  if (!Number.isInteger(unroll) || unroll < 1) {
    throw new InvalidArgumentError(`scan: unroll must be a positive integer, got ${unroll}.`);
  }
  const [initLeaves, carryDef, carryPaths] = tensorLeaves('scan', 'the initial carry', init);
  const [xsLeaves, xsDef, xsPaths] = tensorLeaves('scan', 'xs', xs);
  const length = inferLength(xsLeaves, xsPaths, options.length);
  if (unroll > 1 && length > 1) {
    return scanUnrolled(scan, f, init, xs, length, Math.min(unroll, length), {
      reverse,
      checkpoint,
    });
  }
  const carryAvals = initLeaves.map((t) => new ShapedArray(t.shape, t.dtype));
  const xAvals = xsLeaves.map((t) => new ShapedArray(t.shape.slice(1), t.dtype));
  let yDef: TreeDef | undefined;
  const body = traceToJaxpr(
    (...args: Tensor[]) => {
      const carry = unflatten<C>(carryDef, args.slice(0, initLeaves.length));
      const x = unflatten<X>(xsDef, args.slice(initLeaves.length));
      const result = f(carry, x) as unknown;
      if (!Array.isArray(result) || result.length !== 2) {
        throw new InvalidArgumentError(
          `scan: the body must return a pair [newCarry, y], got ${Array.isArray(result) ? `an array of length ${result.length}` : typeof result}.`,
        );
      }
      const [newCarry, y] = result as [unknown, unknown];
      const [carryOut, outDef] = tensorLeaves('scan', 'the carry returned by the body', newCarry);
      if (!outDef.equals(carryDef)) {
        throw new TreeStructureError(
          'scan: the body changed the structure of the carry:\n  ' +
            equalityErrors(init, newCarry).join('\n  ') +
            '\nReturn a carry with exactly the structure of the initial one.',
        );
      }
      carryOut.forEach((c, i) => {
        const want = carryAvals[i];
        if (c.dtype !== want.dtype) {
          throw new DtypeError(
            `scan: the carry${pathSuffix(carryPaths[i])} enters the body as ${want} but comes out as ${c.aval}; ` +
              'the carry must keep its dtype (convert it with astype in the body).',
          );
        }
        if (!c.aval.equals(want)) {
          throw new ShapeError(
            `scan: the carry${pathSuffix(carryPaths[i])} enters the body as ${want} but comes out as ${c.aval}; ` +
              'the carry must keep its shape.',
          );
        }
      });
      const [yLeaves, def] = tensorLeaves('scan', 'the y returned by the body', y);
      yDef = def;
      return [...carryOut, ...yLeaves];
    },
    [...carryAvals, ...xAvals],
    'scan body',
  );
  const outs = bindScan(body, [], initLeaves, xsLeaves, { length, reverse, unroll, checkpoint });
  const carry = unflatten<C>(carryDef, outs.slice(0, initLeaves.length));
  const ys = unflatten<Y>(yDef!, outs.slice(initLeaves.length));
  return [carry, ys];
}
