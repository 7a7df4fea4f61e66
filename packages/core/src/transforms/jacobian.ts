// SPDX-License-Identifier: MIT
import { InvalidArgumentError } from '../errors.js';
import { checkOptionKeys } from '../options.js';
import { reshape } from '../prims/reshape.js';
import { transpose } from '../prims/transpose.js';
import { eye, zeros, zerosLike } from '../tensor/create.js';
import { Tensor } from '../tensor/tensor.js';
import type { MaybeZero } from '../trace/primitive.js';
import { flatten, type MapLeaves, type TreeDef, unflatten } from '../tree/tree.js';
import type { GradOf } from './api.js';
import { jvp } from './api.js';
import { flattenDiffArgs, flattenOutput, normalizeArgnums } from './flat.js';
import { vjpFlat } from './linearize.js';
import { vmap } from './vmap.js';

/**
 * The Jacobian's type: for each output leaf, a tree shaped like the input whose leaves have shape
 * out.shape + in.shape (a plain Tensor when input and output are both tensors).
 */
export type JacobianOf<R, X> = R extends Tensor
  ? MapLeaves<X, Tensor>
  : MapLeaves<R, MapLeaves<X, Tensor>>;

type Argnums = number | readonly number[];

/** Options of `jacfwd`, `jacrev` and `hessian` (the same as `grad`'s). */
export interface JacobianOptions<N extends Argnums = Argnums> {
  /**
   * Which positional argument(s) to differentiate: a number (default 0) or a list, in which case
   * each output leaf holds a tuple of Jacobians, one per listed argument (as in JAX).
   */
  argnums?: N;
  /** When true, `f` returns `[output, aux]`; aux is returned beside the Jacobian, undifferentiated. */
  hasAux?: boolean;
}

/** The Jacobian function's type, for `argnums` N, with or without aux. */
export type JacobianFn<A extends unknown[], R, N> = (...args: A) => JacobianOf<R, GradOf<A, N>>;

/** The rows of the n×n identity, shaped [n, ...like.shape] (n = like.size). */
function identityBasis(like: Tensor): Tensor {
  return eye(like.size, like.size, like.dtype).reshape([like.size, ...like.shape]);
}

/** Assembles blocks[o][l] (shape out_o.shape + in_l.shape) into an output tree of input trees. */
function assemble(outDef: TreeDef, inTree: unknown, blocks: Tensor[][]): unknown {
  const [, inDef] = flatten(inTree);
  return unflatten(
    outDef,
    blocks.map((row) => unflatten(inDef, row)),
  );
}

/** `argnums` given positionally (a number or list, as before) or in an options object. */
function readOptions(op: string, options: unknown): { argnums: Argnums; hasAux: boolean } {
  if (options === undefined) return { argnums: 0, hasAux: false };
  if (typeof options === 'number' || Array.isArray(options)) {
    return { argnums: options as Argnums, hasAux: false };
  }
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError(
      `${op}: the second argument must be argnums (a number or a list) or an options object ` +
        `{ argnums?, hasAux? }, got ${options === null ? 'null' : typeof options}.`,
    );
  }
  checkOptionKeys(op, options, ['argnums', 'hasAux']);
  const o = options as JacobianOptions;
  return { argnums: o.argnums ?? 0, hasAux: o.hasAux ?? false };
}

/** Aux outputs: tensor leaves travel through the transformation, other leaves stay static. */
interface AuxRecord {
  def?: TreeDef;
  leaves: unknown[];
  isTensor: boolean[];
}

function splitAux(op: string, result: unknown, hasAux: boolean, aux: AuxRecord): unknown {
  if (!hasAux) return result;
  if (!Array.isArray(result) || result.length !== 2) {
    throw new InvalidArgumentError(
      `${op}: with hasAux the function must return [output, aux], got ${Array.isArray(result) ? `an array of length ${result.length}` : typeof result}.`,
    );
  }
  const [leaves, def] = flatten<unknown>(result[1]);
  aux.def = def;
  aux.leaves = leaves;
  aux.isTensor = leaves.map((l) => l instanceof Tensor);
  return result[0];
}

function rebuildAux(aux: AuxRecord, tensors: readonly Tensor[]): unknown {
  let k = 0;
  return unflatten(
    aux.def!,
    aux.leaves.map((l, i) => (aux.isTensor[i] ? tensors[k++] : l)),
  );
}

type Mode = 'fwd' | 'rev';

function jacobianImpl(
  op: string,
  mode: Mode,
  f: (...args: unknown[]) => unknown,
  options: unknown,
) {
  const { argnums, hasAux } = readOptions(op, options);
  return (...args: unknown[]): unknown => {
    const list = normalizeArgnums(op, argnums, args.length);
    const flat = flattenDiffArgs(op, args, list, true);
    const inTree = typeof argnums === 'number' ? args[argnums] : list.map((i) => args[i]);
    const aux: AuxRecord = { leaves: [], isTensor: [] };
    const call = (leaves: readonly Tensor[]) =>
      splitAux(op, f(...flat.rebuild(leaves)), hasAux, aux);
    const { outDef, blocks, auxTensors } =
      mode === 'fwd'
        ? forwardBlocks(op, call, flat.leaves, aux)
        : reverseBlocks(op, call, flat.leaves, aux);
    const jac = assemble(outDef, inTree, blocks);
    return hasAux ? [jac, rebuildAux(aux, auxTensors)] : jac;
  };
}

/** For each input leaf, one vmapped JVP over the rows of the identity. */
function forwardBlocks(
  op: string,
  call: (leaves: readonly Tensor[]) => unknown,
  inLeaves: Tensor[],
  aux: AuxRecord,
) {
  // The primal call at the caller's level: its aux is the one returned (the JVP calls below
  // record traced ones, so it is restored afterwards).
  const [outLeaves, outDef] = flattenOutput(op, call(inLeaves));
  const primalAux = { ...aux };
  const g = (...leaves: Tensor[]) => call(leaves);
  const columns = inLeaves.map((leaf, l) => {
    if (leaf.size === 0) return null;
    const pushforward = (t: Tensor) =>
      flattenOutput(
        op,
        jvp(
          g,
          inLeaves,
          inLeaves.map((x, k) => (k === l ? t : zerosLike(x))),
        )[1],
      )[0];
    return vmap(pushforward)(identityBasis(leaf));
  });
  // [n, ...out.shape] per output leaf: the batch axis moved last, split into the input's shape.
  const blocks = outLeaves.map((o, oi) =>
    inLeaves.map((leaf, l) => {
      const cols = columns[l];
      if (cols === null) return zeros([...o.shape, ...leaf.shape], o.dtype);
      const moved = transpose(cols[oi], [...o.shape.map((_, i) => i + 1), 0]);
      return reshape(moved, [...o.shape, ...leaf.shape]);
    }),
  );
  Object.assign(aux, primalAux);
  const auxTensors = aux.leaves.filter((_, i) => aux.isTensor[i]) as Tensor[];
  return { outDef, blocks, auxTensors };
}

/** For each output leaf, one vmapped pullback over the rows of the identity. */
function reverseBlocks(
  op: string,
  call: (leaves: readonly Tensor[]) => unknown,
  inLeaves: Tensor[],
  aux: AuxRecord,
) {
  let outDef: TreeDef | undefined;
  let numOut = 0;
  const [outs, pullback] = vjpFlat((...leaves: Tensor[]) => {
    const [o, def] = flattenOutput(op, call(leaves));
    outDef = def;
    numOut = o.length;
    // Aux tensors ride along as extra outputs that never receive a cotangent.
    return [...o, ...(aux.leaves.filter((_, i) => aux.isTensor[i]) as Tensor[])];
  }, inLeaves);
  const outLeaves = outs.slice(0, numOut);
  const blocks = outLeaves.map((o, oi) => {
    if (o.size === 0) return inLeaves.map((leaf) => zeros([...o.shape, ...leaf.shape], leaf.dtype));
    const pull = (c: Tensor) =>
      pullback(outs.map((_, k): MaybeZero => (k === oi ? c : null))).map(
        (g, l) => g ?? zeros(inLeaves[l].shape, inLeaves[l].dtype),
      );
    const rows = vmap(pull)(identityBasis(o));
    return inLeaves.map((leaf, l) => reshape(rows[l], [...o.shape, ...leaf.shape]));
  });
  return { outDef: outDef!, blocks, auxTensors: outs.slice(numOut) };
}

/**
 * Jacobian by forward mode: a JVP vmapped over the identity basis of each input leaf. Best when
 * inputs are fewer than outputs. Works over pytrees: `jacfwd(f)(params)` mirrors JAX's nesting
 * (output tree of input trees). The second argument is `argnums` (a number or a list, then each
 * output leaf holds a tuple of Jacobians) or the options `{ argnums, hasAux }`, as for `grad`.
 * @example
 * const J = jacfwd((x: Tensor) => x.sin())(x); // shape [...x.shape, ...x.shape]
 * const [Ja, Jb] = jacfwd((a: Tensor, b: Tensor) => a.mul(b), [0, 1])(a, b);
 */
export function jacfwd<A extends unknown[], R, const N extends Argnums = 0>(
  f: (...args: A) => R,
  options?: N | (JacobianOptions<N> & { hasAux?: false }),
): JacobianFn<A, R, N>;
export function jacfwd<A extends unknown[], R, X, const N extends Argnums = 0>(
  f: (...args: A) => readonly [R, X],
  options: JacobianOptions<N> & { hasAux: true },
): (...args: A) => [JacobianOf<R, GradOf<A, N>>, X];
export function jacfwd(f: (...args: never[]) => unknown, options?: unknown) {
  return jacobianImpl('jacfwd', 'fwd', f as (...args: unknown[]) => unknown, options);
}

/**
 * Jacobian by reverse mode: the pullback vmapped over the identity basis of each output leaf.
 * Best when outputs are fewer than inputs. Works over pytrees and takes `argnums`/`hasAux` like
 * `jacfwd`.
 * @example
 * const J = jacrev((w: Tensor) => matmul(x, w).tanh())(w); // [...out.shape, ...w.shape]
 */
export function jacrev<A extends unknown[], R, const N extends Argnums = 0>(
  f: (...args: A) => R,
  options?: N | (JacobianOptions<N> & { hasAux?: false }),
): JacobianFn<A, R, N>;
export function jacrev<A extends unknown[], R, X, const N extends Argnums = 0>(
  f: (...args: A) => readonly [R, X],
  options: JacobianOptions<N> & { hasAux: true },
): (...args: A) => [JacobianOf<R, GradOf<A, N>>, X];
export function jacrev(f: (...args: never[]) => unknown, options?: unknown) {
  return jacobianImpl('jacrev', 'rev', f as (...args: unknown[]) => unknown, options);
}

/**
 * The Hessian of a scalar function: forward-over-reverse (`jacfwd(jacrev(f))`), shape
 * in.shape + in.shape per pair of leaves; with a list of `argnums`, a tuple of tuples of blocks.
 * @example
 * const H = hessian((x: Tensor) => x.mul(x).sum())(x); // 2·I
 */
export function hessian<A extends unknown[], const N extends Argnums = 0>(
  f: (...args: A) => Tensor,
  options?: N | (JacobianOptions<N> & { hasAux?: false }),
): (...args: A) => JacobianOf<GradOf<A, N>, GradOf<A, N>>;
export function hessian<A extends unknown[], X, const N extends Argnums = 0>(
  f: (...args: A) => readonly [Tensor, X],
  options: JacobianOptions<N> & { hasAux: true },
): (...args: A) => [JacobianOf<GradOf<A, N>, GradOf<A, N>>, X];
export function hessian(f: (...args: never[]) => unknown, options?: unknown) {
  const inner = jacobianImpl('hessian', 'rev', f as (...args: unknown[]) => unknown, options);
  return jacobianImpl('hessian', 'fwd', inner, options);
}
