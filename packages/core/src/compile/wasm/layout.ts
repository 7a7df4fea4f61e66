// SPDX-License-Identifier: MIT
// Where every buffer of a program lives in wasm memory. Temps, inputs and outputs get fixed byte
// addresses in the program's arena when it is compiled, so kernels address them by constants;
// only loop positions (a scan's `t`) add run-time terms.
import { itemSize } from '../../tensor/dtype.js';
import { type ArrayValue, addOffset, type Offset } from '../values.js';
import type { CodeWriter, Local } from './builder.js';

/** A run-time term of an address: `bytes * value of the loop variable v`. */
export interface Term {
  readonly v: string;
  readonly bytes: number;
}

/** A byte address: a constant plus run-time terms. */
export interface Address {
  readonly base: number;
  readonly terms: readonly Term[];
}

/** Terms are written `t3` or `t3 * 16` by the shared lowering (see rules/control.ts). */
const TERM = /^([A-Za-z_]\w*)(?: \* (-?\d+))?$/;

export class UnsupportedInWasm extends Error {}

/** `term` (`v` or `v * k`, in elements) as a byte term. */
export function parseTerm(term: string, elementBytes: number): Term {
  const m = TERM.exec(term.trim());
  if (!m) throw new UnsupportedInWasm(`offset term '${term}' is not of the form 'v * k'`);
  return { v: m[1], bytes: Number(m[2] ?? 1) * elementBytes };
}

/** Byte addresses of the program's arrays, by the name the plan gave them (slot, input, output). */
export class Layout {
  readonly #at = new Map<string, number>();

  place(name: string, address: number): void {
    this.#at.set(name, address);
  }

  get(name: string): number {
    const at = this.#at.get(name);
    if (at === undefined) throw new UnsupportedInWasm(`array ${name} has no address`);
    return at;
  }

  /** The byte address of element 0 of `v` (following forwarded buffers). */
  address(v: ArrayValue): Address {
    let off: Offset = v.off;
    let b = v.buf;
    while (b.forward) {
      off = addOffset(b.forward.off, off);
      b = b.forward.buf;
    }
    const at = b.name === null ? undefined : this.#at.get(b.name);
    if (at === undefined) {
      throw new UnsupportedInWasm(`a ${b.kind} buffer of ${b.size} ${b.dtype} has no address`);
    }
    const bytes = itemSize(v.dtype);
    return {
      base: at + off.c * bytes,
      terms: off.terms.map((t) => parseTerm(t, bytes)),
    };
  }
}

/** Loop variables visible to a kernel: name → i32 local holding its value. */
export type Vars = ReadonlyMap<string, Local>;

/** The local holding loop variable `name` where code is being emitted. */
export function loopVar(vars: Vars, name: string): Local {
  const local = vars.get(name);
  if (!local) throw new UnsupportedInWasm(`loop variable ${name} is not in scope`);
  return local;
}

/** Pushes the i32 value of `a` (locals for its terms from `vars`). */
export function pushAddress(w: CodeWriter, a: Address, vars: Vars): void {
  w.i32(a.base);
  for (const t of a.terms) {
    w.get(loopVar(vars, t.v));
    if (t.bytes !== 1) w.i32(t.bytes).op('i32.mul');
    w.op('i32.add');
  }
}

/** The loop variables `addresses` refer to, sorted (a kernel function's parameters). */
export function termVars(addresses: readonly Address[]): string[] {
  const names = new Set<string>();
  for (const a of addresses) for (const t of a.terms) names.add(t.v);
  return [...names].sort();
}
