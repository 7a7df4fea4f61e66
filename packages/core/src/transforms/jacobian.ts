// SPDX-License-Identifier: MIT
import { stack } from '../ops/shape.js';
import { reshape } from '../prims/reshape.js';
import { ConcreteTensor } from '../tensor/concrete.js';
import { zeros } from '../tensor/create.js';
import { allocate } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { flatten, type MapLeaves, unflatten } from '../tree/tree.js';
import { jvp, vjp } from './api.js';
import { flattenDiffArgs, flattenOutput, normalizeArgnums } from './flat.js';

/**
 * The Jacobian's type: for each output leaf, a tree shaped like the input whose leaves have shape
 * out.shape + in.shape (a plain Tensor when input and output are both tensors).
 */
export type JacobianOf<R, X> = R extends Tensor
  ? MapLeaves<X, Tensor>
  : MapLeaves<R, MapLeaves<X, Tensor>>;

function basisLike(like: Tensor, j: number | null): Tensor {
  const b = allocate(like.dtype, like.size);
  if (j !== null) b[j] = 1;
  return new ConcreteTensor(b, like.shape);
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
 * Jacobian by forward mode, one JVP per input element. Best when inputs are fewer than outputs.
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
    // One JVP per input element; columns[l][j][o] is output leaf o's derivative along it.
    const columns = inLeaves.map((leaf, l) =>
      Array.from({ length: leaf.size }, (_, j) => {
        const tangents = inLeaves.map((x, k) => basisLike(x, k === l ? j : null));
        return flattenOutput('jacfwd', jvp(g, inLeaves, tangents)[1])[0];
      }),
    );
    const blocks = outLeaves.map((o, oi) =>
      inLeaves.map((leaf, l) =>
        leaf.size === 0
          ? zeros([...o.shape, ...leaf.shape], o.dtype)
          : reshape(
              stack(
                columns[l].map((c) => c[oi]),
                o.ndim,
              ),
              [...o.shape, ...leaf.shape],
            ),
      ),
    );
    return assemble(primalOut, args[index], blocks) as JacobianOf<R, A[N]>;
  };
}

/**
 * Jacobian by reverse mode, one pullback per output element (a single one for a scalar loss).
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
    const blocks = outLeaves.map((o, oi) => {
      // rows[i][l]: gradient of element i of output leaf oi with respect to input leaf l.
      const rows = Array.from(
        { length: o.size },
        (_, i) =>
          pullback(
            unflatten<R>(
              outDef,
              outLeaves.map((x, k) => basisLike(x, k === oi ? i : null)),
            ),
          ) as unknown as Tensor[],
      );
      return inLeaves.map((leaf, l) =>
        rows.length === 0
          ? zeros([...o.shape, ...leaf.shape], leaf.dtype)
          : reshape(
              stack(
                rows.map((r) => r[l]),
                0,
              ),
              [...o.shape, ...leaf.shape],
            ),
      );
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
