// SPDX-License-Identifier: MIT
// vmap: vectorising map (Autodidax's BatchTrace). A batched value is a tensor with one extra
// axis, its batch dimension; each primitive's `batch` rule maps (values, batch dims) to batched
// outputs, so the whole batch runs as batched kernels, never as a loop over examples.
import {
  InvalidArgumentError,
  NotDifferentiableError,
  ShapeError,
  TreeStructureError,
} from '../errors.js';
import { evalJaxpr } from '../ir/eval.js';
import type { ClosedJaxpr, Jaxpr } from '../ir/jaxpr.js';
import { traceToJaxpr } from '../ir/staging.js';
import { checkOptionKeys } from '../options.js';
import { type BatchDim, moveBatchAxis } from '../prims/batching.js';
import { ShapedArray } from '../tensor/aval.js';
import { formatShape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import type { Params, Primitive } from '../trace/primitive.js';
import { bind, fullRaise, Trace, Tracer, withMainTrace } from '../trace/trace.js';
import { flatten, type TreeDef, unflatten } from '../tree/tree.js';
import { flattenOutput } from './flat.js';

/** A value inside `vmap`: the batched tensor and where its batch axis is (null: unbatched). */
export class BatchTracer extends Tracer {
  readonly #aval: ShapedArray;

  constructor(
    readonly trace: BatchTrace,
    readonly val: Tensor,
    readonly batchDim: BatchDim,
  ) {
    super();
    const a = val.aval;
    this.#aval =
      batchDim === null
        ? a
        : new ShapedArray(
            a.shape.filter((_, i) => i !== batchDim),
            a.dtype,
          );
  }

  /** The per-example type (the batch axis removed). */
  get aval(): ShapedArray {
    return this.#aval;
  }

  override fullLower(): Tensor {
    // An unbatched value is the same for every example: the plain value is simpler and equal.
    return this.batchDim === null ? this.val : this;
  }
}

interface BatchData {
  readonly axisSize: number;
}

/** The batching interpreter: each primitive's batch rule runs on the batched values. */
export class BatchTrace extends Trace {
  get axisSize(): number {
    return (this.main.globalData as BatchData).axisSize;
  }

  pure(value: Tensor): Tensor {
    return new BatchTracer(this, value, null);
  }

  lift(value: Tensor): Tensor {
    return new BatchTracer(this, value, null);
  }

  processPrimitive(prim: Primitive, tracers: Tensor[], params: Params): Tensor[] {
    const ts = tracers as BatchTracer[];
    const vals = ts.map((t) => t.val);
    const dims = ts.map((t) => t.batchDim);
    if (dims.every((d) => d === null)) {
      return bind(prim, vals, params).map((v) => new BatchTracer(this, v, null));
    }
    if (!prim.batch) {
      throw new NotDifferentiableError(
        `vmap: the primitive ${prim.name} has no batching rule, so it cannot be applied to ` +
          'batched values. Apply it outside vmap, or loop over the examples.',
      );
    }
    const [outs, outDims] = prim.batch(this.axisSize, vals, dims, params);
    return outs.map((o, i) => new BatchTracer(this, o, outDims[i] ?? null));
  }
}

/**
 * Flat batching: runs `f` with `vals[i]` batched along `dims[i]` (null: shared by every example)
 * and returns the batched outputs with their batch dims (null for outputs that do not depend on
 * the batch).
 */
export function batchFlat(
  f: (...args: Tensor[]) => Tensor[],
  axisSize: number,
  vals: readonly Tensor[],
  dims: readonly BatchDim[],
): [Tensor[], BatchDim[]] {
  const data: BatchData = { axisSize };
  return withMainTrace(BatchTrace, data, 'vmap', (main) => {
    const trace = main.trace as BatchTrace;
    const ins = vals.map((v, i) => (dims[i] === null ? v : new BatchTracer(trace, v, dims[i])));
    const outs = f(...ins).map((o) => fullRaise(trace, o, 'vmap') as BatchTracer);
    return [outs.map((o) => o.val), outs.map((o) => o.batchDim)];
  });
}

/**
 * Batches a jaxpr (for the bodies of higher-order primitives): the result takes the inputs with
 * a leading batch axis where `inBatched[i]`, and returns outputs with a leading batch axis where
 * `outBatched[i]` (forced for the outputs marked in `instantiate`).
 */
export function vmapJaxpr(
  jaxpr: Jaxpr,
  axisSize: number,
  inBatched: readonly boolean[],
  instantiate: readonly boolean[],
): { jaxpr: ClosedJaxpr; outBatched: boolean[] } {
  let outBatched: boolean[] = [];
  const inAvals = jaxpr.inAvals.map((a, i) =>
    inBatched[i] ? new ShapedArray([axisSize, ...a.shape], a.dtype) : a,
  );
  const closed = traceToJaxpr(
    (...args: Tensor[]) => {
      const [outs, dims] = batchFlat(
        (...xs) => evalJaxpr(jaxpr, xs),
        axisSize,
        args,
        inBatched.map((b) => (b ? 0 : null)),
      );
      outBatched = dims.map((d, i) => d !== null || instantiate[i]);
      return outs.map((o, i) => (outBatched[i] ? moveBatchAxis(axisSize, dims[i], 0, o) : o));
    },
    inAvals,
    'vmap of a body',
  );
  return { jaxpr: closed, outBatched };
}

// ---------------------------------------------------------------------------------------------
// The pytree-level API
// ---------------------------------------------------------------------------------------------

/** A batch axis for a whole subtree (a number, or null for unbatched), or a tree prefix of them. */
export type AxisSpec =
  | number
  | null
  | undefined
  | readonly AxisSpec[]
  | { [key: string]: AxisSpec };

export interface VmapOptions {
  /**
   * Where each argument's batch axis is: a number (default 0; negative counts from the end) or
   * null (not batched) for all arguments, or a list with one entry per argument, each a number,
   * null, or a tree prefix of that argument (e.g. `[{ w: null, b: 0 }, 0]`).
   */
  inAxes?: AxisSpec;
  /** Where to put the batch axis in each output (default 0), as a number, null or tree prefix. */
  outAxes?: AxisSpec;
  /** The batch size, needed only when no argument is batched. */
  axisSize?: number;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== 'object') return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

function describeSpec(spec: AxisSpec): string {
  if (spec === null || spec === undefined || typeof spec === 'number') return String(spec);
  if (Array.isArray(spec)) return `a list of length ${spec.length}`;
  return `an object with keys {${Object.keys(spec).sort().join(', ')}}`;
}

function describeValue(x: unknown): string {
  if (x instanceof Tensor) return `a tensor ${x.aval}`;
  if (Array.isArray(x)) return `a list of length ${x.length}`;
  if (isPlainObject(x)) return `an object with keys {${Object.keys(x).sort().join(', ')}}`;
  return x === null || x === undefined ? String(x) : typeof x;
}

/**
 * Expands an axis spec (a tree prefix) to one entry per leaf of `value`, in flatten order, with
 * each leaf's key path. Throws a TreeStructureError naming the path where they disagree.
 */
function expandPrefix(
  op: string,
  what: string,
  spec: AxisSpec,
  value: unknown,
  rootPath: string,
): { axes: (number | null)[]; paths: string[] } {
  const axes: (number | null)[] = [];
  const paths: string[] = [];
  // Iterative pre-order walk in flatten order (arrays in order, object keys sorted).
  const stack: [AxisSpec, unknown, string][] = [[spec, value, rootPath]];
  while (stack.length > 0) {
    const [s, v, path] = stack.pop()!;
    if (s === null || s === undefined || typeof s === 'number') {
      const [leaves] = flatten<unknown>(v);
      const sub = subPaths(v, path);
      leaves.forEach((_, i) => {
        axes.push(s ?? null);
        paths.push(sub[i]);
      });
      continue;
    }
    const where = path === '' ? 'at the root' : `at ${path}`;
    if (Array.isArray(s)) {
      if (!Array.isArray(v) || v.length !== s.length) {
        throw new TreeStructureError(
          `${op}: ${what} ${where} is ${describeSpec(s)} but the value there is ${describeValue(v)}; ` +
            'a tree prefix must mirror the value (or use a single number/null for a whole subtree).',
        );
      }
      for (let i = s.length - 1; i >= 0; i--) stack.push([s[i], v[i], `${path}[${i}]`]);
      continue;
    }
    if (!isPlainObject(s)) {
      throw new InvalidArgumentError(
        `${op}: ${what} ${where} is ${typeof s}; use a number, null, a list or an object.`,
      );
    }
    const keys = Object.keys(s).sort();
    const vKeys = isPlainObject(v) ? Object.keys(v).sort() : null;
    if (vKeys === null || vKeys.join('\u0000') !== keys.join('\u0000')) {
      throw new TreeStructureError(
        `${op}: ${what} ${where} is ${describeSpec(s)} but the value there is ${describeValue(v)}; ` +
          'the keys must match exactly (or use a single number/null for the whole subtree).',
      );
    }
    for (let i = keys.length - 1; i >= 0; i--) {
      stack.push([s[keys[i]], (v as Record<string, unknown>)[keys[i]], `${path}.${keys[i]}`]);
    }
  }
  return { axes, paths };
}

function subPaths(v: unknown, base: string): string[] {
  const out: string[] = [];
  const stack: [unknown, string][] = [[v, base]];
  while (stack.length > 0) {
    const [x, p] = stack.pop()!;
    if (x === null || x === undefined) continue;
    if (Array.isArray(x)) {
      for (let i = x.length - 1; i >= 0; i--) stack.push([x[i], `${p}[${i}]`]);
    } else if (isPlainObject(x)) {
      const keys = Object.keys(x).sort();
      for (let i = keys.length - 1; i >= 0; i--) stack.push([x[keys[i]], `${p}.${keys[i]}`]);
    } else out.push(p);
  }
  return out;
}

/** "argument 1 at .w" for error messages. */
function argName(path: string): string {
  const m = /^\[(\d+)\](.*)$/.exec(path);
  if (!m) return `argument ${path}`;
  return `argument ${m[1]}${m[2] ? ` at ${m[2]}` : ''}`;
}

function outName(path: string): string {
  return path === '' ? 'the output' : `the output at ${path}`;
}

const VMAP_OPTION_KEYS = ['inAxes', 'outAxes', 'axisSize'];

/**
 * Vectorising map: `vmap(f)(xs)` applies `f` to every slice of `xs` along its batch axis and
 * stacks the results, but runs as one batched computation (a matmul by a shared weight stays one
 * matmul over the batch). Composes with grad, jvp, scan and itself.
 * @example
 * // Per-example gradients: params shared, batch mapped along axis 0.
 * const perExample = vmap(grad(loss), { inAxes: [null, 0] })(params, batch);
 */
export function vmap<A extends unknown[], R>(
  f: (...args: A) => R,
  options: VmapOptions = {},
): (...args: A) => R {
  checkOptionKeys('vmap', options, VMAP_OPTION_KEYS);
  const { inAxes = 0, outAxes = 0 } = options;
  return (...args: A): R => {
    const specs: AxisSpec = Array.isArray(inAxes) ? inAxes : args.map(() => inAxes);
    if ((specs as readonly AxisSpec[]).length !== args.length) {
      throw new TreeStructureError(
        `vmap: inAxes has ${(specs as readonly AxisSpec[]).length} entries but the function was ` +
          `called with ${args.length} argument${args.length === 1 ? '' : 's'}; give one entry ` +
          '(a number, null or a tree prefix) per positional argument.',
      );
    }
    const [leaves, inTree] = flatten<unknown>(args);
    const { axes, paths } = expandPrefix('vmap', 'inAxes', specs, args, '');
    // Normalise axes and find the batch size.
    const sizes: { path: string; axis: number; size: number }[] = [];
    const dims: BatchDim[] = leaves.map((leaf, i) => {
      const axis = axes[i];
      if (axis === null) return null;
      if (!(leaf instanceof Tensor)) {
        throw new TreeStructureError(
          `vmap: ${argName(paths[i])} is ${describeValue(leaf)} but inAxes maps it along axis ` +
            `${axis}; only tensors can be batched (give it inAxes null).`,
        );
      }
      if (!Number.isInteger(axis) || axis < -leaf.ndim || axis >= leaf.ndim) {
        throw new InvalidArgumentError(
          `vmap: inAxes ${axis} for ${argName(paths[i])} is out of range for its shape ` +
            `${formatShape(leaf.shape)} (rank ${leaf.ndim}; valid axes are ` +
            `${leaf.ndim === 0 ? 'none: a scalar cannot be mapped, use null' : `${-leaf.ndim}..${leaf.ndim - 1}`}).`,
        );
      }
      const a = axis < 0 ? axis + leaf.ndim : axis;
      sizes.push({ path: paths[i], axis: a, size: leaf.shape[a] });
      return a;
    });
    let axisSize: number;
    if (sizes.length === 0) {
      if (options.axisSize === undefined) {
        throw new InvalidArgumentError(
          'vmap: no argument is batched (every inAxes entry is null, or there are no tensor ' +
            'arguments); map at least one argument, or pass axisSize.',
        );
      }
      axisSize = options.axisSize;
    } else {
      axisSize = sizes[0].size;
      if (sizes.some((s) => s.size !== axisSize)) {
        const listing = sizes
          .map((s) => `${argName(s.path)}: axis ${s.axis} has size ${s.size}`)
          .join('; ');
        throw new ShapeError(
          `vmap: the mapped axes have inconsistent sizes (${listing}); every batched argument ` +
            'must have the same batch size.',
        );
      }
      if (options.axisSize !== undefined && options.axisSize !== axisSize) {
        throw new ShapeError(
          `vmap: axisSize is ${options.axisSize} but the mapped axes have size ${axisSize}.`,
        );
      }
    }
    const tensorIdx = leaves.flatMap((l, i) => (l instanceof Tensor ? [i] : []));
    let outTree: TreeDef | undefined;
    let outValue: unknown;
    const [outs, outDims] = batchFlat(
      (...ins) => {
        const rebuilt = [...leaves];
        tensorIdx.forEach((j, k) => {
          rebuilt[j] = ins[k];
        });
        outValue = (f as (...a: unknown[]) => unknown)(...unflatten<unknown[]>(inTree, rebuilt));
        const [o, def] = flattenOutput('vmap', outValue);
        outTree = def;
        return o;
      },
      axisSize,
      tensorIdx.map((j) => leaves[j] as Tensor),
      tensorIdx.map((j) => dims[j]),
    );
    const { axes: oAxes, paths: oPaths } = expandPrefix('vmap', 'outAxes', outAxes, outValue, '');
    const results = outs.map((o, i) => {
      const want = oAxes[i];
      const d = outDims[i];
      if (want === null) {
        if (d !== null) {
          throw new InvalidArgumentError(
            `vmap: outAxes is null for ${outName(oPaths[i])}, but that output depends on the ` +
              'batched inputs (it differs between examples); give it a batch axis.',
          );
        }
        return o;
      }
      const rank = o.ndim + (d === null ? 1 : 0);
      if (!Number.isInteger(want) || want < -rank || want >= rank) {
        throw new InvalidArgumentError(
          `vmap: outAxes ${want} for ${outName(oPaths[i])} is out of range for its batched rank ` +
            `${rank} (valid axes are ${-rank}..${rank - 1}).`,
        );
      }
      return moveBatchAxis(axisSize, d, want < 0 ? want + rank : want, o);
    });
    return unflatten<R>(outTree!, results);
  };
}
