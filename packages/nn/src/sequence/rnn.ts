// SPDX-License-Identifier: MIT
import { ShapeError, scan, type Tensor, TreeStructureError, tree } from '@loom/core';
import type { Cell } from '../cells/cell.js';
import { boolMask, holdCarry, zeroPadded } from './mask.js';

/** Options of the sequence layers. */
export interface SequenceOptions {
  /**
   * The layout of xs, the outputs and the mask: batch-major [B, T, ...] by default (as flax's
   * nn.RNN, Keras and `@loom/datasets`), time-major [T, B, ...] when true (scan's own layout).
   */
  timeMajor?: boolean;
  /** Run from the last step to the first; outputs stay aligned with xs. */
  reverse?: boolean;
  /**
   * [B, T] ([T, B] when timeMajor; bool, or float where non-zero means real) marking the real steps of a padded
   * variable-length batch. At a padded step the carry is held unchanged and the output is
   * zero, so the final carry of each sequence is the carry after its last real step (for a
   * reverse pass over right-padded sequences, padding is skipped before the first real step).
   */
  mask?: Tensor;
  /** Recompute each step in the backward pass instead of storing its residuals (scan's option). */
  checkpoint?: boolean;
}

/** What a sequence layer returns: per-step outputs [B, T, H] (or [T, B, H]) and the final carry. */
export interface SequenceResult<C> {
  outputs: Tensor;
  carry: C;
}

/**
 * Runs `cell` over xs [B, T, in] (or [T, B, in] with `timeMajor`) from `carry0` with one `scan`:
 * the step is traced once, and `grad` through it is backpropagation through time. A batch-major
 * sequence is read through a transposed view (free under jit), since scan steps along axis 0.
 * @example
 * const config = { inFeatures: 2, hiddenSize: 16 };
 * const params = rnnCell.init(random.key(0), config);
 * const xs = random.normal(random.key(1), [4, 8, 2]); // [B, T, in]
 * const loss = (p: RnnParams) => sum(rnn(rnnCell, p, xs, rnnCell.initialCarry(config, 4)).outputs);
 * const g = grad(loss)(params); // backpropagation through time
 */
export function rnn<P, C>(
  cell: Cell<P, C, never>,
  params: P,
  xs: Tensor,
  carry0: C,
  options: SequenceOptions = {},
): SequenceResult<C> {
  return runLayer('rnn', cell, params, xs, carry0, options);
}

/** `rnn` under the name of the layer that called it (errors name that layer). */
export function runLayer<P, C>(
  op: string,
  cell: Cell<P, C, never>,
  params: P,
  xs: Tensor,
  carry0: C,
  options: SequenceOptions,
): SequenceResult<C> {
  const { reverse = false, checkpoint = false, timeMajor = false } = options;
  if (xs.ndim < 3) {
    throw new ShapeError(
      `${op}: xs has shape [${xs.shape.join(', ')}]; it must be ${layoutName(timeMajor)}.`,
    );
  }
  checkCarry(op, cell, xs, carry0, timeMajor);
  const toTimeMajor = (t: Tensor) =>
    timeMajor ? t : t.transpose([1, 0, ...t.shape.slice(2).map((_, i) => i + 2)]);
  const steps = toTimeMajor(xs);
  if (options.mask === undefined) {
    const [carry, outputs] = scan(
      (c: C, x: Tensor) => {
        const next = cell.step(params, c, x);
        return [next, cell.output(next)] as const;
      },
      carry0,
      steps,
      { reverse, checkpoint },
    );
    return { outputs: toTimeMajor(outputs), carry };
  }
  const mask = toTimeMajor(boolMask(op, options.mask, xs, timeMajor));
  const [carry, outputs] = scan(
    (c: C, step: { x: Tensor; m: Tensor }) => {
      const next = cell.step(params, c, step.x);
      return [holdCarry(step.m, next, c), zeroPadded(step.m, cell.output(next))] as const;
    },
    carry0,
    { x: steps, m: mask },
    { reverse, checkpoint },
  );
  return { outputs: toTimeMajor(outputs), carry };
}

function layoutName(timeMajor: boolean): string {
  return timeMajor
    ? 'time-major [T, B, in] (timeMajor: true)'
    : 'batch-major [B, T, in] (the default; pass { timeMajor: true } for [T, B, in])';
}

/**
 * carry0 must have the cell's carry structure (an LSTM's {c, h}, not a bare h) and one row per
 * example of xs. The structure comes from the cell's own `initialCarry`, which does not depend on
 * the sizes, so a one-unit carry stands in for the real one.
 */
function checkCarry<P, C>(
  op: string,
  cell: Cell<P, C, never>,
  xs: Tensor,
  carry0: C,
  timeMajor: boolean,
): void {
  const probe = cell.initialCarry({ inFeatures: xs.shape[2], hiddenSize: 1 } as never, 1);
  const problems = tree.equalityErrors(probe, carry0);
  if (problems.length > 0) {
    throw new TreeStructureError(
      `${op}: carry0 does not have the cell's carry structure ${tree.structure(probe).key}:\n  ` +
        `${problems.join('\n  ')}\nBuild it with cell.initialCarry(config, batch).`,
    );
  }
  const [leaves] = tree.flatten<Tensor>(carry0);
  const paths = tree.keyPaths(carry0);
  const batchAxis = timeMajor ? 1 : 0;
  const batch = xs.shape[batchAxis];
  leaves.forEach((leaf, i) => {
    if (leaf.shape[0] === batch) return;
    const where = paths[i] === '<root>' ? '' : ` at ${paths[i]}`;
    const shape = `[${xs.shape.join(', ')}]`;
    if (leaf.shape[0] === xs.shape[1 - batchAxis]) {
      // The carry fits the other axis: the sequence is in the other layout.
      const [got, other] = timeMajor
        ? ['time-major [T, B, in]', 'batch-major [B, T, in] (drop timeMajor: true)']
        : ['batch-major [B, T, in]', 'time-major [T, B, in] (pass { timeMajor: true })'];
      throw new ShapeError(
        `${op}: xs ${shape} is read as ${got}, so its batch is ${batch}, but carry0${where} has ` +
          `${leaf.shape[0]} rows, the size of xs's axis ${1 - batchAxis}: the data look ${other}. ` +
          `Give xs as ${got} or change the layout option.`,
      );
    }
    throw new ShapeError(
      `${op}: carry0${where} has shape [${leaf.shape.join(', ')}], but xs ${shape} ` +
        `(${layoutName(timeMajor)}) has batch ${batch}; the carry needs one row per example.`,
    );
  });
}
