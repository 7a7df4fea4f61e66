// SPDX-License-Identifier: MIT
// What the code generator knows about each IR value at compile time: which buffer holds it, at
// which offset, with which strides. Views (reshape, transpose, broadcast, slice, a scan's xs[t])
// are new strides over the same buffer, so they cost nothing at run time.
import type { DType } from '../tensor/dtype.js';
import { type Shape, stridesOf } from '../tensor/shape.js';
import type { Params } from '../trace/primitive.js';

/**
 * An abstract buffer. `temp` buffers get a preallocated slot by liveness; `input`, `const` and
 * `external` (results of eager fallbacks, fresh per call) are named arrays that are never written.
 * `pinned` temps (scan carries, stacked ys) live in their own slot and are never donated.
 */
export class Buf {
  /** The array variable in generated code, set by the allocator for temps. */
  name: string | null;
  /** When set, this buffer is that region of another (a scan's ys slot, a carry, an output). */
  forward: { buf: Buf; off: Offset } | null = null;
  pinned = false;
  defPos = -1;
  lastUse = -1;

  constructor(
    readonly kind: 'input' | 'const' | 'temp' | 'external' | 'output',
    readonly dtype: DType,
    readonly size: number,
    name: string | null = null,
  ) {
    this.name = name;
  }

  /** The buffer that really holds the data, after following forwards. */
  root(): Buf {
    let b: Buf = this;
    while (b.forward) b = b.forward.buf;
    return b;
  }

  /** Temps may be overwritten once dead; nothing else may. */
  get donatable(): boolean {
    return this.kind === 'temp' && !this.pinned && !this.forward;
  }
}

/** An element offset: a constant plus run-time terms such as `t3 * 16` inside a scan. */
export interface Offset {
  readonly c: number;
  readonly terms: readonly string[];
}

export const ZERO: Offset = { c: 0, terms: [] };

export function addOffset(a: Offset, b: Offset): Offset {
  return { c: a.c + b.c, terms: [...a.terms, ...b.terms] };
}

export function offsetPlus(a: Offset, c: number, term?: string): Offset {
  return { c: a.c + c, terms: term ? [...a.terms, term] : a.terms };
}

export function renderOffset(o: Offset): string {
  if (o.terms.length === 0) return String(o.c);
  const dyn = o.terms.join(' + ');
  return o.c === 0 ? dyn : `${dyn} + ${o.c}`;
}

export function sameOffset(a: Offset, b: Offset): boolean {
  return a.c === b.c && a.terms.join('+') === b.terms.join('+');
}

/** An array value: `buf[off + Σ index[d] * strides[d]]`. */
export interface ArrayValue {
  readonly kind: 'array';
  readonly buf: Buf;
  readonly off: Offset;
  readonly shape: Shape;
  readonly strides: readonly number[];
  readonly dtype: DType;
}

export interface LitValue {
  readonly kind: 'lit';
  readonly value: number;
  readonly dtype: DType;
  readonly shape: Shape;
}

/** An elementwise result computed inside its single consumer's loop (fusion). */
export interface ExprValue {
  readonly kind: 'expr';
  readonly shape: Shape;
  readonly dtype: DType;
  /** Input values, then a function from their element expressions to this one's. */
  readonly inputs: readonly Value[];
  readonly build: (args: string[]) => string;
  /**
   * The operation as data: an elementwise primitive applied to `inputs`, or `dot_terms`, the
   * sum of the products of consecutive input pairs (a small contraction fused into its consumer).
   */
  readonly op: { readonly prim: string; readonly params: Params };
}

export type Value = ArrayValue | LitValue | ExprValue;

export function contiguous(buf: Buf, shape: Shape, off: Offset = ZERO): ArrayValue {
  return { kind: 'array', buf, off, shape, strides: stridesOf(shape), dtype: buf.dtype };
}

export function isContiguous(v: ArrayValue): boolean {
  const standard = stridesOf(v.shape);
  return v.shape.every((n, d) => n === 1 || v.strides[d] === standard[d]);
}

/** Where a value's data lives once buffers are assigned: the array name and full offset. */
export function location(v: ArrayValue): { name: string; off: Offset } {
  let off = v.off;
  let b = v.buf;
  while (b.forward) {
    off = addOffset(b.forward.off, off);
    b = b.forward.buf;
  }
  if (b.name === null) throw new Error(`compile: buffer of ${v.shape} was never allocated`);
  return { name: b.name, off };
}

export function literal(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  if (Object.is(value, -0)) return '-0';
  return String(value);
}

/**
 * Strides that read `v` as if broadcast (numpy rules: right-aligned, size-1 axes repeat) to
 * `shape`.
 */
export function broadcastStrides(v: ArrayValue, shape: Shape): number[] {
  const lead = shape.length - v.shape.length;
  return shape.map((n, d) => {
    const src = d - lead;
    if (src < 0) return 0;
    return v.shape[src] === 1 && n !== 1 ? 0 : v.strides[src];
  });
}

/** The part of `v` that starts at index `starts` and walks `steps` per axis, with `shape`. */
export function stridedRegion(
  v: ArrayValue,
  shape: Shape,
  starts: readonly number[],
  steps: readonly number[],
): ArrayValue {
  const c = starts.reduce((acc, s, d) => acc + s * v.strides[d], 0);
  return { ...v, off: offsetPlus(v.off, c), shape, strides: v.strides.map((s, d) => s * steps[d]) };
}
