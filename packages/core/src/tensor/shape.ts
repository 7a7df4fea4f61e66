// SPDX-License-Identifier: MIT
import { InvalidArgumentError, ShapeError } from '../errors.js';

export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

/** numpy broadcasting of any number of shapes; names every shape when they are incompatible. */
export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const axis = rank - s.length + i;
      const d = s[i];
      if (d === out[axis] || d === 1) continue;
      if (out[axis] === 1) out[axis] = d;
      else {
        throw new ShapeError(
          `${op}: shapes ${shapes.map(formatShape).join(' and ')} cannot be broadcast together: ` +
            `axis ${axis - rank} has sizes ${out[axis]} and ${d}. Sizes must match or be 1; ` +
            `use reshape or expandDims to line the axes up.`,
        );
      }
    }
  }
  return out;
}

/** Resolves a possibly negative axis against `rank`, with an error naming the op and shape. */
export function normalizeAxis(op: string, axis: number, rank: number, shape?: Shape): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    const of = shape ? ` of a tensor with shape ${formatShape(shape)}` : ` for rank ${rank}`;
    throw new InvalidArgumentError(
      `${op}: axis ${axis} is out of range${of}; valid axes are ${-rank}..${rank - 1}.`,
    );
  }
  return axis < 0 ? axis + rank : axis;
}

export function normalizeAxes(
  op: string,
  axes: number | readonly number[] | undefined | null,
  shape: Shape,
): number[] {
  if (axes === undefined || axes === null) return shape.map((_, i) => i);
  const list = typeof axes === 'number' ? [axes] : axes;
  const out = list.map((a) => normalizeAxis(op, a, shape.length, shape));
  if (new Set(out).size !== out.length) {
    throw new InvalidArgumentError(`${op}: repeated axis in [${list.join(', ')}].`);
  }
  return out.sort((a, b) => a - b);
}

export function isPermutation(perm: readonly number[], rank: number): boolean {
  if (perm.length !== rank) return false;
  const seen = new Set(perm);
  return seen.size === rank && perm.every((p) => Number.isInteger(p) && p >= 0 && p < rank);
}

export function invertPermutation(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => {
    inv[p] = i;
  });
  return inv;
}
