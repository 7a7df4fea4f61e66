// SPDX-License-Identifier: MIT
// The lowered program: a tree of steps. A kernel is straight-line code (one loop nest, a call);
// a region holds blocks of steps that run conditionally or repeatedly (scan, while, cond).
import type { Params } from '../trace/primitive.js';
import type { SourceWriter } from './source.js';
import type { ArrayValue, Buf, ExprValue, Value } from './values.js';

/**
 * What a kernel computes, as data, for lowerings other than JavaScript source (the WebAssembly
 * backend reads it; the JavaScript lowering uses `emit`).
 */
export type KernelSpec =
  | { readonly kind: 'fused'; readonly root: Value; readonly out: ArrayValue }
  | { readonly kind: 'copy'; readonly src: ArrayValue; readonly dst: ArrayValue }
  | { readonly kind: 'fill'; readonly value: number; readonly dst: ArrayValue }
  | {
      readonly kind: 'reduce';
      readonly op: 'sum' | 'max' | 'min';
      /** An array, or an elementwise expression evaluated in the loop. */
      readonly x: ArrayValue | ExprValue;
      readonly axes: readonly number[];
      readonly out: ArrayValue;
    }
  | {
      readonly kind: 'dot';
      readonly params: Params;
      readonly lhs: ArrayValue;
      readonly rhs: ArrayValue;
      readonly out: ArrayValue;
      /** out = accumulate + lhs·rhs (out may share accumulate's buffer). */
      readonly accumulate?: ArrayValue;
    }
  | {
      readonly kind: 'fallback';
      readonly index: number;
      readonly name: string;
      /** Operands in order: arrays (read contiguously) or literals (fixed at compile time). */
      readonly inputs: readonly Value[];
      readonly outs: readonly ArrayValue[];
    }
  /**
   * A copy over `src`'s shape whose `shifted` side is moved by window starts read at run time
   * (dynamic_slice reads a window of src, dynamic_update_slice writes one of dst): per axis d,
   * the start (an int32 scalar or a literal), clamped into [0, limits[d]], moves that side by
   * start · its stride d.
   */
  | {
      readonly kind: 'dynamicCopy';
      readonly src: ArrayValue;
      readonly dst: ArrayValue;
      readonly shifted: 'src' | 'dst';
      readonly starts: readonly Value[];
      readonly limits: readonly number[];
    }
  /**
   * gather along `axis` of the contiguous `operand` [outer, n, inner] by the int32 `indices`
   * (k of them, any shape): `out` [outer, k, inner] (contiguous). An index outside [0, n) fills
   * its slice with the dtype's fill value (NaN for floats), as the eager kernel does.
   */
  | {
      readonly kind: 'gather';
      readonly operand: ArrayValue;
      readonly indices: ArrayValue;
      readonly axis: number;
      readonly out: ArrayValue;
    }
  /**
   * scatter_add, gather's transpose: `out` [outer, n, inner] = zeros plus each slice of the
   * contiguous `updates` [outer, k, inner] at its index, in index order; out-of-range dropped.
   */
  | {
      readonly kind: 'scatterAdd';
      readonly updates: ArrayValue;
      readonly indices: ArrayValue;
      readonly axis: number;
      readonly out: ArrayValue;
    }
  /** iota: `out` (contiguous) counts 0, 1, ... along `dimension`. */
  | { readonly kind: 'iota'; readonly dimension: number; readonly out: ArrayValue }
  /** Leaves the innermost enclosing loop when the boolean scalar is false (whileLoop's test). */
  | { readonly kind: 'breakUnless'; readonly pred: Value };

/** Control flow, as data (see KernelSpec). */
export type RegionSpec =
  | {
      readonly kind: 'scan';
      readonly length: number;
      /** The loop counter, and the index variable offsets use (differs when reversed). */
      readonly counter: string;
      readonly index: string;
      readonly reverse: boolean;
    }
  | { readonly kind: 'while' }
  | { readonly kind: 'cond'; readonly pred: Value };

export interface Kernel {
  readonly kind: 'kernel';
  /** Values this kernel reads (their buffers must be live here). */
  readonly reads: readonly ArrayValue[];
  /** Temp buffers this kernel defines. */
  readonly writes: readonly Buf[];
  /**
   * Buffers whose every read here is at the very element the kernel then writes to `writes[0]`:
   * one of them that dies here may lend its slot to the output (in-place update).
   */
  readonly identityReads: ReadonlySet<Buf>;
  /** Buffers defined elsewhere that this kernel writes into (a scan's ys slot, a carry). */
  readonly updates?: readonly Buf[];
  emit(w: SourceWriter): void;
  /** The same computation as data, for non-JavaScript lowerings. */
  readonly spec?: KernelSpec;
  pos: number;
}

export interface Region {
  readonly kind: 'region';
  readonly reads: readonly ArrayValue[];
  readonly writes: readonly Buf[];
  /** A loop: values from outside read in its blocks stay live until its end. */
  readonly loop: boolean;
  readonly blocks: Step[][];
  emit(w: SourceWriter, emitBlock: (steps: Step[]) => void): void;
  readonly spec?: RegionSpec;
  pos: number;
  end: number;
}

export type Step = Kernel | Region;

export function kernel(
  reads: readonly ArrayValue[],
  writes: readonly Buf[],
  emit: (w: SourceWriter) => void,
  identityReads: ReadonlySet<Buf> = new Set(),
  spec?: KernelSpec,
): Kernel {
  return { kind: 'kernel', reads, writes, identityReads, emit, spec, pos: -1 };
}

/** Every step of `steps` and of the regions inside, in program order (iteratively). */
export function* walkSteps(steps: readonly Step[]): Generator<Step> {
  const stack: { steps: readonly Step[]; i: number }[] = [{ steps, i: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.i >= top.steps.length) {
      stack.pop();
      continue;
    }
    const step = top.steps[top.i++];
    yield step;
    if (step.kind === 'region') {
      for (let b = step.blocks.length - 1; b >= 0; b--) stack.push({ steps: step.blocks[b], i: 0 });
    }
  }
}
