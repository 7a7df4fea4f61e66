// SPDX-License-Identifier: MIT
import {
  DtypeError,
  InvalidArgumentError,
  NonScalarOutputError,
  TreeStructureError,
} from '../errors.js';
import { checkOptionKeys } from '../options.js';
import { ones, zeros } from '../tensor/create.js';
import { isFloat } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import type { MaybeZero } from '../trace/primitive.js';
import { equalityErrors, flatten, unflatten } from '../tree/tree.js';
import { flattenDiffArgs, flattenOutput, normalizeArgnums } from './flat.js';
import { jvpFlat } from './jvp.js';
import { vjpFlat } from './linearize.js';

type Argnums = number | readonly number[];

/** The type of the gradient for `argnums` N: the argument's own type (a tuple for a list). */
export type GradOf<A extends readonly unknown[], N> = N extends number
  ? A[N]
  : N extends readonly number[]
    ? { -readonly [K in keyof N]: A[N[K] & number] }
    : A[0];

export interface GradOptions<N extends Argnums = Argnums> {
  /** Which positional argument(s) to differentiate: a number (default 0) or a list. */
  argnums?: N;
  /** When true, `f` returns `[loss, aux]` and aux is passed through undifferentiated. */
  hasAux?: boolean;
}

function checkScalar(op: string, out: Tensor): void {
  if (out.ndim !== 0) {
    const hint =
      out.size === 1
        ? 'reshape it to [] or index it'
        : 'reduce it with sum or mean, or use jacrev/vjp';
    throw new NonScalarOutputError(
      `${op}: the function must return a scalar (shape []), but returned ${out.aval}; ${hint}.`,
    );
  }
  if (!isFloat(out.dtype)) {
    throw new DtypeError(
      `${op}: the function returned ${out.aval}; the output must have a float dtype.`,
    );
  }
}

function splitAux(op: string, result: unknown, hasAux: boolean): [Tensor, unknown] {
  if (!hasAux) return [result as Tensor, undefined];
  if (!Array.isArray(result) || result.length !== 2) {
    throw new InvalidArgumentError(`${op}: with hasAux the function must return [output, aux].`);
  }
  return [result[0] as Tensor, result[1]];
}

const GRAD_OPTION_KEYS = ['argnums', 'hasAux'];

function valueAndGradImpl(op: string, f: (...args: never[]) => unknown, options: GradOptions) {
  checkOptionKeys(op, options, GRAD_OPTION_KEYS);
  const hasAux = options.hasAux ?? false;
  return (...args: unknown[]): [unknown, unknown] => {
    const argnums = normalizeArgnums(op, options.argnums ?? 0, args.length);
    const flat = flattenDiffArgs(op, args, argnums, true);
    let auxDef: ReturnType<typeof flatten>[1] | undefined;
    let auxStatic: unknown[] = [];
    let auxTensorMask: boolean[] = [];
    const flatF = (...leaves: Tensor[]): Tensor[] => {
      const [out, aux] = splitAux(
        op,
        (f as (...a: unknown[]) => unknown)(...flat.rebuild(leaves)),
        hasAux,
      );
      const [outLeaves] = flattenOutput(op, out);
      if (outLeaves.length !== 1 || outLeaves[0] !== out) {
        throw new NonScalarOutputError(
          `${op}: the function must return a single scalar Tensor, not a tree.`,
        );
      }
      checkScalar(op, out);
      // Aux leaves ride along as extra outputs that receive no cotangent.
      const [auxLeaves, def] = flatten<unknown>(aux);
      auxDef = def;
      auxStatic = auxLeaves;
      auxTensorMask = auxLeaves.map((l) => typeof l === 'object' && l !== null && 'aval' in l);
      return [out, ...(auxLeaves.filter((_, i) => auxTensorMask[i]) as Tensor[])];
    };
    const [outs, pullback] = vjpFlat(flatF, flat.leaves);
    const cts = pullback([ones([], outs[0].dtype), ...outs.slice(1).map(() => null)]);
    const grads = cts.map((c, i) => c ?? zeros(flat.leaves[i].shape, flat.leaves[i].dtype));
    const perArg = flat.unflattenPerArg(grads);
    const g = typeof (options.argnums ?? 0) === 'number' ? perArg[0] : perArg;
    if (!hasAux) return [outs[0], g];
    let k = 1;
    const auxLeaves = auxStatic.map((l, i) => (auxTensorMask[i] ? outs[k++] : l));
    return [[outs[0], unflatten(auxDef!, auxLeaves)], g];
  };
}

/**
 * The gradient of a scalar function with respect to argument(s) `argnums`, as a tree of the
 * same type as that argument. Composes with every transformation (grad of grad, jit of grad).
 * @example
 * const loss = (p: { w: Tensor; b: Tensor }, x: Tensor) => sum(square(add(mul(x, p.w), p.b)));
 * const g = grad(loss)(params, x); // g.w, g.b have the shapes of params.w, params.b
 */
export function grad<A extends unknown[], const N extends Argnums = 0>(
  f: (...args: A) => Tensor,
  options?: GradOptions<N> & { hasAux?: false },
): (...args: A) => GradOf<A, N>;
export function grad<A extends unknown[], X, const N extends Argnums = 0>(
  f: (...args: A) => readonly [Tensor, X],
  options: GradOptions<N> & { hasAux: true },
): (...args: A) => [GradOf<A, N>, X];
export function grad(f: (...args: never[]) => unknown, options: GradOptions = {}) {
  const vg = valueAndGradImpl('grad', f, options);
  return (...args: unknown[]) => {
    const [value, g] = vg(...args);
    return options.hasAux ? [g, (value as [Tensor, unknown])[1]] : g;
  };
}

/**
 * Like `grad`, but returns `[value, gradient]` (with hasAux: `[[value, aux], gradient]`).
 * @example
 * const loss = (w: Tensor) => sum(w.mul(w));
 * const [value, g] = valueAndGrad(loss)(tensor([1, 2, 3])); // value 14, g [2, 4, 6]
 */
export function valueAndGrad<A extends unknown[], const N extends Argnums = 0>(
  f: (...args: A) => Tensor,
  options?: GradOptions<N> & { hasAux?: false },
): (...args: A) => [Tensor, GradOf<A, N>];
export function valueAndGrad<A extends unknown[], X, const N extends Argnums = 0>(
  f: (...args: A) => readonly [Tensor, X],
  options: GradOptions<N> & { hasAux: true },
): (...args: A) => [[Tensor, X], GradOf<A, N>];
export function valueAndGrad(f: (...args: never[]) => unknown, options: GradOptions = {}) {
  return valueAndGradImpl('valueAndGrad', f, options);
}

/**
 * Reverse mode: returns `[out, pullback]`, where `pullback(ct)` maps a cotangent with the
 * structure of `out` to a tuple of cotangents, one per primal argument.
 * @example
 * const [y, pullback] = vjp((x: Tensor) => x.mul(x), tensor([1, 2, 3])); // y [1, 4, 9]
 * const [dx] = pullback(tensor([1, 1, 1])); // dx = 2x = [2, 4, 6]
 */
export function vjp<A extends unknown[], R>(
  f: (...args: A) => R,
  ...primals: A
): [R, (cotangent: R) => A] {
  const argnums = primals.map((_, i) => i);
  const flat = flattenDiffArgs('vjp', primals, argnums, false);
  let outDef: ReturnType<typeof flatten>[1] | undefined;
  const flatF = (...leaves: Tensor[]) => {
    const [outs, def] = flattenOutput('vjp', f(...(flat.rebuild(leaves) as A)));
    outDef = def;
    return outs;
  };
  const [outs, pullback] = vjpFlat(flatF, flat.leaves);
  const out = unflatten<R>(outDef!, outs);
  return [
    out,
    (cotangent: R) => {
      const [cts, ctDef] = flattenOutput('vjp pullback', cotangent);
      if (!ctDef.equals(outDef!)) {
        throw new InvalidArgumentError(
          `vjp: the cotangent's structure ${ctDef.key} differs from the output's ${outDef!.key}.`,
        );
      }
      cts.forEach((c, i) => {
        if (!c.aval.equals(outs[i].aval)) {
          throw new InvalidArgumentError(
            `vjp: cotangent ${i} has type ${c.aval} but the output it pairs with is ${outs[i].aval}.`,
          );
        }
      });
      const results = pullback(cts).map(
        (c, i) => c ?? zeros(flat.leaves[i].shape, flat.leaves[i].dtype),
      );
      return flat.unflattenPerArg(results) as A;
    },
  ];
}

/**
 * Forward mode: the outputs of `f` at `primals` and their directional derivative along
 * `tangents` (same structures as the primals).
 * @example
 * const [y, dy] = jvp((x: Tensor) => x.mul(x), [tensor([1, 2, 3])], [tensor([1, 0, 0])]);
 * // y = [1, 4, 9], dy = 2x · t = [2, 0, 0]
 */
export function jvp<A extends unknown[], R>(f: (...args: A) => R, primals: A, tangents: A): [R, R] {
  const argnums = primals.map((_, i) => i);
  const flat = flattenDiffArgs('jvp', primals, argnums, false);
  const flatT = flattenDiffArgs('jvp', tangents, argnums, false);
  if (flatT.leaves.length !== flat.leaves.length) {
    throw new InvalidArgumentError(
      `jvp: tangents have ${flatT.leaves.length} leaves but primals have ${flat.leaves.length}; ` +
        'they must have the same structure.',
    );
  }
  const [, primalDef] = flatten(primals);
  const [, tangentDef] = flatten(tangents);
  if (!tangentDef.equals(primalDef)) {
    throw new TreeStructureError(
      `jvp: the tangents' structure ${tangentDef.key} differs from the primals' ${primalDef.key}:\n  ` +
        equalityErrors(primals, tangents).join('\n  '),
    );
  }
  flat.leaves.forEach((p, i) => {
    if (!p.aval.equals(flatT.leaves[i].aval)) {
      throw new InvalidArgumentError(
        `jvp: tangent ${i} is ${flatT.leaves[i].aval} but its primal is ${p.aval}.`,
      );
    }
  });
  let outDef: ReturnType<typeof flatten>[1] | undefined;
  const [outs, touts] = jvpFlat(
    (...leaves) => {
      const [o, def] = flattenOutput('jvp', f(...(flat.rebuild(leaves) as A)));
      outDef = def;
      return o;
    },
    flat.leaves,
    flat.leaves.map((p, i) => (isFloat(p.dtype) ? flatT.leaves[i] : null)),
  );
  const tangentsOut = touts.map((t: MaybeZero, i) => t ?? zeros(outs[i].shape, outs[i].dtype));
  return [unflatten<R>(outDef!, outs), unflatten<R>(outDef!, tangentsOut)];
}
