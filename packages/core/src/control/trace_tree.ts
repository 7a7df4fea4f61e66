import type { ClosedJaxpr } from '../ir/jaxpr.js';
import { traceToJaxpr } from '../ir/staging.js';
import { concatenate } from '../prims/concatenate.js';
import { reshape } from '../prims/reshape.js';
import { slice } from '../prims/slice.js';
import { ShapedArray } from '../tensor/aval.js';
import type { Tensor } from '../tensor/tensor.js';
import { pathSuffix, tensorLeaves } from '../tree/tensor_leaves.js';
import { flatten, type TreeDef, unflatten } from '../tree/tree.js';

export { pathSuffix, tensorLeaves };

export const avalsOf = (ts: readonly Tensor[]) => ts.map((t) => new ShapedArray(t.shape, t.dtype));

/**
 * Traces `f` over a list of argument trees (given by example leaves' types) into a closed jaxpr;
 * returns it with the output tree's structure. Used for loop bodies and branches.
 */
export function traceTreeFn(
  op: string,
  f: (...args: unknown[]) => unknown,
  argDefs: readonly TreeDef[],
  argAvals: readonly ShapedArray[][],
  what: string,
): { closed: ClosedJaxpr; outDef: TreeDef; outLeaves: ShapedArray[] } {
  let outDef: TreeDef | undefined;
  let outLeaves: ShapedArray[] = [];
  const closed = traceToJaxpr(
    (...flat: Tensor[]) => {
      let k = 0;
      const args = argDefs.map((def, i) => {
        const part = flat.slice(k, k + argAvals[i].length);
        k += argAvals[i].length;
        return unflatten(def, part);
      });
      const [outs, def] = tensorLeaves(op, what, f(...args));
      outDef = def;
      outLeaves = avalsOf(outs);
      return outs;
    },
    argAvals.flat(),
    `${op} ${what}`,
  );
  return { closed, outDef: outDef!, outLeaves };
}

/** `x[start:stop]` along the leading axis of every leaf of a tree. */
export function leadingRows<X>(tree: X, start: number, stop: number): X {
  return mapTreeLeaves(tree, (x) =>
    slice(
      x,
      x.shape.map((_, i) => (i === 0 ? start : 0)),
      x.shape.map((d, i) => (i === 0 ? stop : d)),
    ),
  );
}

/** Applies `f` to every tensor leaf of a tree, keeping its structure. */
export function mapTreeLeaves<X>(tree: X, f: (x: Tensor) => Tensor): X {
  const [leaves, def] = flatten<Tensor>(tree);
  return unflatten<X>(def, leaves.map(f));
}

/**
 * Trees of one structure joined leaf by leaf along axis 0: concatenated, or stacked on a new
 * leading axis with `stackNew`.
 */
export function joinTrees<Y>(parts: readonly Y[], stackNew: boolean): Y {
  const flat = parts.map((p) => flatten<Tensor>(p));
  return unflatten<Y>(
    flat[0][1],
    flat[0][0].map((_, i) =>
      concatenate(
        flat.map(([leaves]) =>
          stackNew ? reshape(leaves[i], [1, ...leaves[i].shape]) : leaves[i],
        ),
        0,
      ),
    ),
  );
}
