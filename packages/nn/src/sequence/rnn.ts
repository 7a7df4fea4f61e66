// SPDX-License-Identifier: MIT
import { ShapeError, scan, type Tensor, TreeStructureError, tree } from '@loom/core';
import type { Cell } from '../cells/cell.js';
import { boolMask, holdCarry, zeroPadded } from './mask.js';

/** Options of the sequence layers. */
export interface SequenceOptions {
  /** Run from the last step to the first; outputs stay aligned with xs. */
  reverse?: boolean;
  /**
   * [T, B] (bool, or float where non-zero means real) marking the real steps of a padded
   * variable-length batch. At a padded step the carry is held unchanged and the output is
   * zero, so the final carry of each sequence is the carry after its last real step (for a
   * reverse pass over right-padded sequences, padding is skipped before the first real step).
   */
  mask?: Tensor;
  /** Recompute each step in the backward pass instead of storing its residuals (scan's option). */
  checkpoint?: boolean;
}

/** What a sequence layer returns: per-step outputs [T, B, H] and the final carry. */
export interface SequenceResult<C> {
  outputs: Tensor;
  carry: C;
}

/**
 * Runs `cell` over xs [T, B, in] from `carry0` with one `scan`: the step is traced once, and
 * `grad` through it is backpropagation through time.
 */
export function rnn<P, C>(
  cell: Cell<P, C, never>,
  params: P,
  xs: Tensor,
  carry0: C,
  options: SequenceOptions = {},
): SequenceResult<C> {
  if (xs.ndim < 3) {
    throw new ShapeError(
      `rnn: xs has shape [${xs.shape.join(', ')}]; it must be time-major [T, B, in].`,
    );
  }
  checkCarry(cell, xs, carry0);
  const { reverse = false, checkpoint = false } = options;
  if (options.mask === undefined) {
    const [carry, outputs] = scan(
      (c: C, x: Tensor) => {
        const next = cell.step(params, c, x);
        return [next, cell.output(next)] as const;
      },
      carry0,
      xs,
      { reverse, checkpoint },
    );
    return { outputs, carry };
  }
  const mask = boolMask('rnn', options.mask, xs);
  const [carry, outputs] = scan(
    (c: C, step: { x: Tensor; m: Tensor }) => {
      const next = cell.step(params, c, step.x);
      return [holdCarry(step.m, next, c), zeroPadded(step.m, cell.output(next))] as const;
    },
    carry0,
    { x: xs, m: mask },
    { reverse, checkpoint },
  );
  return { outputs, carry };
}

/**
 * carry0 must have the cell's carry structure (an LSTM's {c, h}, not a bare h) and one row per
 * example of xs. The structure comes from the cell's own `initialCarry`, which does not depend on
 * the sizes, so a one-unit carry stands in for the real one.
 */
function checkCarry<P, C>(cell: Cell<P, C, never>, xs: Tensor, carry0: C): void {
  const probe = cell.initialCarry({ inFeatures: xs.shape[2], hiddenSize: 1 } as never, 1);
  const problems = tree.equalityErrors(probe, carry0);
  if (problems.length > 0) {
    throw new TreeStructureError(
      `rnn: carry0 does not have the cell's carry structure ${tree.structure(probe).key}:\n  ` +
        `${problems.join('\n  ')}\nBuild it with cell.initialCarry(config, batch).`,
    );
  }
  const [leaves] = tree.flatten<Tensor>(carry0);
  const paths = tree.keyPaths(carry0);
  leaves.forEach((leaf, i) => {
    if (leaf.shape[0] !== xs.shape[1]) {
      throw new ShapeError(
        `rnn: carry0${paths[i] === '<root>' ? '' : ` at ${paths[i]}`} has shape [${leaf.shape.join(', ')}], ` +
          `but xs [${xs.shape.join(', ')}] has batch ${xs.shape[1]}; the carry needs one row per example.`,
      );
    }
  });
}
