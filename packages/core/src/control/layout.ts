// SPDX-License-Identifier: MIT
import { Jaxpr } from '../ir/jaxpr.js';

/** A jaxpr with its inputs and outputs picked/reordered by index (variables are shared). */
export function reorderJaxpr(
  jaxpr: Jaxpr,
  inOrder: readonly number[],
  outOrder: readonly number[],
): Jaxpr {
  return new Jaxpr(
    inOrder.map((i) => jaxpr.inBinders[i]),
    jaxpr.eqns,
    outOrder.map((i) => jaxpr.outs[i]),
  );
}

/** Indices [start, start + n). */
export function range(start: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => start + i);
}

/** Indices of `mask` entries equal to `value`, offset by `start`. */
export function where(mask: readonly boolean[], value: boolean, start = 0): number[] {
  return mask.flatMap((m, i) => (m === value ? [start + i] : []));
}

export function sameMask(a: readonly boolean[], b: readonly boolean[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Splits `items` into consecutive groups of the given sizes. */
export function splitList<T>(items: readonly T[], ...sizes: number[]): T[][] {
  const out: T[][] = [];
  let k = 0;
  for (const n of sizes) {
    out.push(items.slice(k, k + n));
    k += n;
  }
  out.push(items.slice(k));
  return out;
}
