// SPDX-License-Identifier: MIT
import { reshape } from '../prims/reshape.js';
import { transpose } from '../prims/transpose.js';
import { eye, zeros, zerosLike } from '../tensor/create.js';
import type { Tensor } from '../tensor/tensor.js';
import { flatten, type MapLeaves, unflatten } from '../tree/tree.js';
import { jvp, vjp } from './api.js';
import { flattenDiffArgs, flattenOutput, normalizeArgnums } from './flat.js';
import { vmap } from './vmap.js';

/**
 * The Jacobian's type: for each output leaf, a tree shaped like the input whose leaves have shape
 * out.shape + in.shape (a plain Tensor when input and output are both tensors).
 */
export type JacobianOf<R, X> = R extends Tensor
  ? MapLeaves<X, Tensor>
  : MapLeaves<R, MapLeaves<X, Tensor>>;

/** The rows of the n×n identity, shaped [n, ...like.shape] (n = like.size). */
function identityBasis(like: Tensor): Tensor {
  return eye(like.size, like.size, like.dtype).reshape([like.size, ...like.shape]);
}

/** Assembles blocks[o][l] (shape out_o.shape + in_l.shape) into an output tree of input trees. */
function assemble(outTree: unknown, inTree: unknown, blocks: Tensor[][]): unknown {
  const [, outDef] = flatten(outTree);
  const [, inDef] = flatten(inTree);
  return unflatten(
    outDef,
    blocks.map((row) => unflatten(inDef, row)),
  );
}

function prepare(op: string, args: unknown[], argnum: number) {
  normalizeArgnums(op, argnum, args.length);
  const flat = flattenDiffArgs(op, args, [argnum], true);
  return { flat, inLeaves: flat.leaves };
}

/**
 * Jacobian by forward mode: a JVP vmapped over the identity basis of each input leaf. Best when inputs are fewer than outputs.
 * Works over pytrees: `jacfwd(f)(params)` mirrors JAX's nesting (output tree of input trees).
 */
export function jacfwd<A extends unknown[], R, const N extends number = 0>(
  f: (...args: A) => R,
  argnum?: N,
): (...args: A) => JacobianOf<R, A[N]> {
  const index = argnum ?? 0;
  return (...args: A) => {
    const { flat, inLeaves } = prepare('jacfwd', args, index);
    const g = (...leaves: Tensor[]) => f(...(flat.rebuild(leaves) as A));
    const primalOut = g(...inLeaves);
    const [outLeaves] = flattenOutput('jacfwd', primalOut);
    // For each input leaf, one vmapped JVP over the rows of the identity: [n, ...out.shape] per
    // output leaf, with the batch axis then moved last and split into the input's shape.
    const columns = inLeaves.map((leaf, l) => {
      if (leaf.size === 0) return null;
      const pushforward = (t: Tensor) =>
        flattenOutput(
          'jacfwd',
          jvp(
            g,
            inLeaves,
            inLeaves.map((x, k) => (k === l ? t : zerosLike(x))),
          )[1],
        )[0];
      return vmap(pushforward)(identityBasis(leaf));
    });
    const blocks = outLeaves.map((o, oi) =>
      inLeaves.map((leaf, l) => {
        const cols = columns[l];
        if (cols === null) return zeros([...o.shape, ...leaf.shape], o.dtype);
        const moved = transpose(cols[oi], [...o.shape.map((_, i) => i + 1), 0]);
        return reshape(moved, [...o.shape, ...leaf.shape]);
      }),
    );
    return assemble(primalOut, args[index], blocks) as JacobianOf<R, A[N]>;
  };
}

/**
 * Jacobian by reverse mode: the pullback vmapped over the identity basis of each output leaf.
 * Best when outputs are fewer than inputs. Works over pytrees like `jacfwd`.
 */
export function jacrev<A extends unknown[], R, const N extends number = 0>(
  f: (...args: A) => R,
  argnum?: N,
): (...args: A) => JacobianOf<R, A[N]> {
  const index = argnum ?? 0;
  return (...args: A) => {
    const { flat, inLeaves } = prepare('jacrev', args, index);
    const [out, pullback] = vjp(
      (...leaves: Tensor[]) => f(...(flat.rebuild(leaves) as A)),
      ...inLeaves,
    );
    const [outLeaves, outDef] = flattenOutput('jacrev', out);
    // For each output leaf, one vmapped pullback over the rows of the identity (zero cotangents
    // for the other outputs): [m, ...in.shape] per input leaf, split into out.shape + in.shape.
    const blocks = outLeaves.map((o, oi) => {
      if (o.size === 0)
        return inLeaves.map((leaf) => zeros([...o.shape, ...leaf.shape], leaf.dtype));
      const pull = (c: Tensor) =>
        pullback(
          unflatten<R>(
            outDef,
            outLeaves.map((x, k) => (k === oi ? c : zerosLike(x))),
          ),
        ) as unknown as Tensor[];
      const rows = vmap(pull)(identityBasis(o));
      return inLeaves.map((leaf, l) => reshape(rows[l], [...o.shape, ...leaf.shape]));
    });
    return assemble(out, args[index], blocks) as JacobianOf<R, A[N]>;
  };
}

/** The Hessian of a scalar function: forward-over-reverse, shape in.shape + in.shape per pair. */
export function hessian<A extends unknown[], const N extends number = 0>(
  f: (...args: A) => Tensor,
  argnum?: N,
): (...args: A) => JacobianOf<A[N], A[N]> {
  return jacfwd(jacrev(f, argnum), argnum) as (...args: A) => JacobianOf<A[N], A[N]>;
}
