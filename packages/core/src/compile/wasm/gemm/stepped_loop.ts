// SPDX-License-Identifier: MIT
// The GEMM's pointer-stepping loop (the micro-kernel over a panel's rows, packing A and B),
// with one or several steps per iteration. V8 gives every iteration of a wasm loop a stack check, a zero-extension per
// pointer and the loop test, and the micro-kernel's loop is bound by the instructions it issues,
// so fewer iterations run faster. Between two steps sits the exit test for a count that is not a
// multiple of the unroll; being a branch, it also keeps V8 from hoisting the next step's loads
// above this step's arithmetic, which in a plain unroll kept all of them live at once and
// spilled the micro-kernel's accumulators. Packing runs one step per iteration (`pack.ts`).
import { InvalidArgumentError } from '../../../errors.js';
import type { CodeWriter, Local } from '../builder.js';

/** A pointer that advances `stride` bytes per step. */
export interface SteppedPointer {
  readonly ptr: Local;
  readonly stride: number;
}

export interface SteppedLoop {
  /** Counts the steps: runs from its value on entry up to `end`, `stride` bytes per step. */
  readonly cursor: SteppedPointer;
  /**
   * Past the last step: the loop runs while `cursor < end`, at least once. With several steps
   * per iteration, `end − cursor` on entry must be a multiple of the cursor's stride (the exit
   * tests between steps compare for equality).
   */
  readonly end: Local;
  /** Other pointers advanced alongside. */
  readonly others: readonly SteppedPointer[];
  /** Steps per iteration (1 is a plain loop). */
  readonly unroll: number;
  /**
   * Emits step `step` of the iteration: its data lies `step × stride` bytes past each pointer
   * (a constant load/store offset), the pointers advance once per iteration.
   */
  readonly body: (step: number) => void;
}

/** `do { body } while (cursor < end)`, `unroll` steps per iteration; steps run in order. */
export function emitSteppedLoop(w: CodeWriter, loop: SteppedLoop): void {
  const { cursor, end, others, unroll, body } = loop;
  for (const p of [cursor, ...others]) {
    if (p.stride < 0 && unroll > 1) {
      throw new InvalidArgumentError(
        `emitSteppedLoop: stride ${p.stride} with ${unroll} steps per iteration; later steps ` +
          'address their data by a constant offset, which cannot be negative.',
      );
    }
  }
  // exitAt[s]: the cursor of an iteration whose step s is the last one.
  const exitAt: Local[] = [];
  for (let s = 0; s + 1 < unroll; s++) {
    const at = w.local('i32');
    w.get(end)
      .i32((s + 1) * cursor.stride)
      .op('i32.sub')
      .set(at);
    exitAt.push(at);
  }
  w.block(() => {
    w.loop(() => {
      for (let s = 0; s < unroll; s++) {
        body(s);
        if (s + 1 < unroll) w.get(cursor.ptr).get(exitAt[s]).op('i32.eq').brIf(1);
      }
      for (const p of others) {
        if (p.stride === 0) continue;
        w.get(p.ptr)
          .i32(unroll * p.stride)
          .op('i32.add')
          .set(p.ptr);
      }
      w.get(cursor.ptr)
        .i32(unroll * cursor.stride)
        .op('i32.add')
        .tee(cursor.ptr);
      w.get(end).op('i32.lt_u').brIf(0);
    });
  });
}
