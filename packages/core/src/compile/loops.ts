// SPDX-License-Identifier: MIT
import type { Shape } from '../tensor/shape.js';
import type { SourceWriter } from './source.js';
import { type Offset, renderOffset } from './values.js';

/** One array read or written inside a loop nest. */
export interface Access {
  readonly name: string;
  readonly off: Offset;
  readonly strides: readonly number[];
}

/**
 * Collapses a loop space: drops size-1 axes and merges neighbours that every access walks
 * contiguously, so a contiguous elementwise op becomes one flat loop.
 */
export function collapseLoops(
  shape: Shape,
  strides: readonly (readonly number[])[],
): { sizes: number[]; strides: number[][] } {
  const sizes: number[] = [];
  const out: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = sizes.length - 1;
    if (last >= 0 && strides.every((s, a) => out[a][last] === s[d] * shape[d])) {
      sizes[last] *= shape[d];
      strides.forEach((s, a) => {
        out[a][last] = s[d];
      });
    } else {
      sizes.push(shape[d]);
      strides.forEach((s, a) => {
        out[a].push(s[d]);
      });
    }
  }
  return { sizes, strides: out };
}

function term(index: string, stride: number): string {
  if (stride === 0) return '';
  return stride === 1 ? ` + ${index}` : ` + ${index} * ${stride}`;
}

/**
 * Called at each depth of a loop nest (0: before the outermost loop) with the current element
 * indices and, per access, the depth from which it stays fixed.
 */
export type LoopEnter = (level: number, index: string[], invariantFrom: readonly number[]) => void;

/**
 * Emits loops over `shape` and calls `body` with one element index expression per access.
 * Outer levels keep running base offsets so the innermost index is one add per access.
 */
export function emitLoopNest(
  w: SourceWriter,
  shape: Shape,
  accesses: readonly Access[],
  body: (index: string[]) => void,
  enter?: LoopEnter,
): void {
  // Accesses that differ only by a constant offset (the terms of an unrolled contraction) share
  // one running index.
  const keyOf = (a: Access) => `${a.off.terms.join('+')}|${a.strides.join(',')}`;
  const reps = new Map<string, number>();
  const rep = accesses.map((a, i) => {
    const k = keyOf(a);
    if (!reps.has(k)) reps.set(k, i);
    return reps.get(k)!;
  });
  const unique = [...reps.values()];
  const { sizes, strides } = collapseLoops(
    shape,
    unique.map((i) => accesses[i].strides),
  );
  const uniqueAt = new Map(unique.map((i, u) => [i, u]));
  let bases = unique.map((i) => renderOffset({ c: 0, terms: accesses[i].off.terms }));
  const indices = (): string[] =>
    accesses.map((a, i) => {
      const base = bases[uniqueAt.get(rep[i])!];
      const c = a.off.c;
      if (c === 0) return base;
      return base === '0' ? String(c) : `${base} + ${c}`;
    });
  // The loop depth from which each access no longer moves: reads can be hoisted there.
  const invariantFrom = accesses.map((_, i) => {
    const st = strides[uniqueAt.get(rep[i])!];
    let level = st.length;
    while (level > 0 && st[level - 1] === 0) level--;
    return level;
  });
  const open = (level: number): void => {
    if (level < sizes.length) enter?.(level, indices(), invariantFrom);
    if (level === sizes.length) {
      body(indices());
      return;
    }
    const i = w.fresh('i');
    w.block(`for (let ${i} = 0; ${i} < ${sizes[level]}; ${i}++)`, () => {
      const outer = bases;
      bases = unique.map((_, u) => {
        const t = term(i, strides[u][level]);
        if (t === '') return outer[u];
        const expr = outer[u] === '0' ? t.slice(3) : `${outer[u]}${t}`;
        if (level === sizes.length - 1) return expr;
        const name = w.fresh('p');
        w.line(`const ${name} = ${expr};`);
        return name;
      });
      open(level + 1);
      bases = outer;
    });
  };
  open(0);
}
