// SPDX-License-Identifier: MIT
// The lowered program: a tree of steps. A kernel is straight-line code (one loop nest, a call);
// a region holds blocks of steps that run conditionally or repeatedly (scan, while, cond).
import type { SourceWriter } from './source.js';
import type { ArrayValue, Buf } from './values.js';

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
  pos: number;
  end: number;
}

export type Step = Kernel | Region;

export function kernel(
  reads: readonly ArrayValue[],
  writes: readonly Buf[],
  emit: (w: SourceWriter) => void,
  identityReads: ReadonlySet<Buf> = new Set(),
): Kernel {
  return { kind: 'kernel', reads, writes, identityReads, emit, pos: -1 };
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
