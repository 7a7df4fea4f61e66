// SPDX-License-Identifier: MIT
import { InvalidArgumentError, ShapeError } from '../errors.js';
import type { TensorLike } from '../prims/operands.js';
import { padPrim } from '../prims/pad.js';
import { select } from '../prims/select.js';
import { slice } from '../prims/slice.js';
import { ones } from '../tensor/create.js';
import { formatShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { bind1 } from '../trace/trace.js';

/**
 * How much to pad: one width for both sides of every axis, one `[before, after]` pair for every
 * axis, or a pair per axis. Negative widths crop (as `lax.pad` allows).
 */
export type PadWidth = number | readonly [number, number] | readonly (readonly [number, number])[];

/** Options of `pad`. */
export interface PadOptions {
  /** The value of the new elements (default 0); a number or a scalar tensor. */
  readonly constantValue?: TensorLike;
}

function pairsOf(x: Tensor, width: PadWidth): [number, number][] {
  const bad = () =>
    new InvalidArgumentError(
      `pad: width ${JSON.stringify(width)} for ${formatShape(x.shape)} must be an integer, ` +
        `a [before, after] pair, or ${x.ndim} such pairs (one per axis).`,
    );
  let pairs: readonly (readonly number[])[];
  if (typeof width === 'number') pairs = x.shape.map(() => [width, width]);
  else if (width.length === 2 && width.every((w) => typeof w === 'number')) {
    pairs = x.shape.map(() => width as readonly number[]);
  } else pairs = width as readonly (readonly number[])[];
  const ok =
    Array.isArray(pairs) &&
    pairs.length === x.ndim &&
    pairs.every((p) => Array.isArray(p) && p.length === 2 && p.every(Number.isInteger));
  if (!ok) throw bad();
  return pairs.map(([b, a]) => [b, a]);
}

/**
 * Pads `x` with `constantValue` (default 0): `pad(x, [[1, 0], [2, 2]])` adds one row before and
 * two columns on each side, `pad(x, 1)` one element on every side of every axis. Negative widths
 * remove elements instead. Gradients flow to `x` (and to a traced `constantValue`).
 */
export function pad(x: Tensor, width: PadWidth, { constantValue = 0 }: PadOptions = {}): Tensor {
  const pairs = pairsOf(x, width);
  const kept = pairs.map(([b, a], d) => x.shape[d] + Math.min(b, 0) + Math.min(a, 0));
  if (kept.some((n) => n < 0)) {
    throw new ShapeError(
      `pad: widths ${JSON.stringify(pairs)} crop more than all of ${formatShape(x.shape)}.`,
    );
  }
  const cropStarts = pairs.map(([b]) => Math.max(-b, 0));
  const cropped = slice(
    x,
    cropStarts,
    cropStarts.map((s, d) => s + kept[d]),
  );
  const starts = pairs.map(([b]) => Math.max(b, 0));
  const shape = pairs.map(([, a], d) => starts[d] + kept[d] + Math.max(a, 0));
  if (shape.every((n, d) => n === cropped.shape[d])) return cropped;
  const steps = shape.map(() => 1);
  const padded = bind1(padPrim, [cropped], { shape, starts, steps });
  if (constantValue === 0) return padded;
  const inside = bind1(padPrim, [ones(cropped.shape, 'bool')], { shape, starts, steps });
  return select(inside, padded, constantValue);
}
