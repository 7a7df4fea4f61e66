// SPDX-License-Identifier: MIT
// Planning of buffers: number the steps, find each temp buffer's live range, and give temps slots
// (preallocated arrays) so that buffers with disjoint live ranges share one. A value read inside
// a loop but defined outside stays live to the loop's end, since the next iteration reads it
// again. An elementwise kernel may write into the slot of an input that dies at that kernel.
// With `holdLoopTemps`, a temp defined inside a loop keeps its slot to the loop's end, so no two
// values of one loop body share a slot: the WebAssembly lowering may then run a scan body's
// batch rows on several threads at once (wasm/row_split.ts), each over its own rows of every
// slot, which is only safe when a slot holds one layout for the whole loop.
import type { DType } from '../tensor/dtype.js';
import type { Region, Step } from './steps.js';
import type { Buf } from './values.js';

export interface Slot {
  readonly name: string;
  readonly dtype: DType;
  size: number;
}

interface Frame {
  readonly steps: readonly Step[];
  i: number;
  readonly loops: readonly Region[];
  readonly region: Region | null;
}

/** Walks steps in program order with the loops enclosing each (iteratively). */
function visit(
  steps: readonly Step[],
  enter: (s: Step, loops: readonly Region[]) => void,
  leave: (r: Region) => void = () => {},
): void {
  const stack: Frame[] = [{ steps, i: 0, loops: [], region: null }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.i >= top.steps.length) {
      stack.pop();
      // The last block of a region is done: the region is done.
      if (top.region && stack[stack.length - 1]?.region !== top.region) leave(top.region);
      continue;
    }
    const s = top.steps[top.i++];
    enter(s, top.loops);
    if (s.kind === 'region') {
      const loops = s.loop ? [...top.loops, s] : top.loops;
      for (let b = s.blocks.length - 1; b >= 0; b--) {
        stack.push({ steps: s.blocks[b], i: 0, loops, region: s });
      }
      if (s.blocks.length === 0) leave(s);
    }
  }
}

export interface AllocateOptions {
  /** Temps defined inside a loop keep their slot until the outermost enclosing loop ends. */
  readonly holdLoopTemps?: boolean;
}

/** Assigns positions, live ranges and slots; returns the slots to preallocate. */
export function allocate(
  steps: readonly Step[],
  finalReads: readonly Buf[],
  options: AllocateOptions = {},
): Slot[] {
  let pos = 0;
  visit(
    steps,
    (s) => {
      s.pos = pos++;
    },
    (r) => {
      r.end = pos - 1;
    },
  );
  const touch = (buf: Buf, at: number, loops: readonly Region[], define: boolean) => {
    const b = buf.root();
    if (b.kind !== 'temp') return;
    if (define && b.defPos < 0) b.defPos = at;
    let use = at;
    // The outermost enclosing loop that started after the definition keeps it alive to its end.
    const outer = loops.find((l) => l.pos > b.defPos);
    if (outer) use = Math.max(use, outer.end);
    b.lastUse = Math.max(b.lastUse, use);
  };
  const ordered: Step[] = [];
  const heldUntil = new Map<Step, number>();
  visit(steps, (s, loops) => {
    ordered.push(s);
    if (options.holdLoopTemps && loops.length > 0) heldUntil.set(s, loops[0].end);
    for (const b of s.writes) touch(b, s.pos, loops, true);
    for (const r of s.reads) touch(r.buf, s.pos, loops, false);
    if (s.kind === 'kernel') for (const b of s.updates ?? []) touch(b, s.pos, loops, false);
  });
  for (const b of finalReads) touch(b, pos, [], false);

  const slots: Slot[] = [];
  const free: Slot[] = [];
  const slotOf = new Map<Buf, Slot>();
  const dying = new Map<number, Buf[]>();
  const take = (b: Buf): Slot => {
    let best = -1;
    free.forEach((s, i) => {
      if (s.dtype !== b.dtype) return;
      const fits = s.size >= b.size;
      const cur = best < 0 ? null : free[best];
      const better =
        cur === null ||
        (fits && (cur.size < b.size || s.size < cur.size)) ||
        (!fits && cur.size < b.size && s.size > cur.size);
      if (better) best = i;
    });
    if (best >= 0) {
      const s = free.splice(best, 1)[0];
      s.size = Math.max(s.size, b.size);
      return s;
    }
    const s: Slot = { name: `s${slots.length}`, dtype: b.dtype, size: b.size };
    slots.push(s);
    return s;
  };
  for (const s of ordered) {
    for (const out of s.writes) {
      if (out.kind !== 'temp' || out.forward || slotOf.has(out)) continue;
      let slot: Slot | undefined;
      if (s.kind === 'kernel' && s.writes[0] === out) {
        for (const donor of s.identityReads) {
          const d = donor.root();
          const ds = slotOf.get(d);
          if (
            ds &&
            d.donatable &&
            d.lastUse === s.pos &&
            d.dtype === out.dtype &&
            d.size === out.size
          ) {
            slot = ds;
            slotOf.delete(d);
            break;
          }
        }
      }
      slot ??= take(out);
      slotOf.set(out, slot);
      out.name = slot.name;
      const end = Math.max(out.lastUse, s.pos, heldUntil.get(s) ?? -1);
      if (!dying.has(end)) dying.set(end, []);
      dying.get(end)!.push(out);
    }
    for (const b of dying.get(s.pos) ?? []) {
      const slot = slotOf.get(b);
      if (slot) {
        slotOf.delete(b);
        free.push(slot);
      }
    }
  }
  return slots;
}
