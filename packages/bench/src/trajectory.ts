// SPDX-License-Identifier: MIT
// The trajectory check: a system's time only counts if, from the same initial weights on the
// same batches, its per-step losses match the hand-written ones.
import type { Predictor, Trainer } from './workloads/system.js';

/** Losses must agree to 1e-4, absolutely for losses up to 1 and relatively above. */
export const TRAJECTORY_TOLERANCE = 1e-4;

export interface CheckResult {
  ok: boolean;
  /** Largest |Δ| / max(1, |reference|) seen. */
  maxDiff: number;
  /** What was compared, and where it first failed. */
  detail: string;
}

/** Runs `steps` training steps from the trainer's current state and returns their losses. */
export function lossTrajectory(trainer: Trainer, steps: number): number[] {
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    trainer.step(i);
    losses.push(trainer.loss());
  }
  return losses;
}

/**
 * How values are compared: |Δ| / max(floor, |reference|) ≤ tolerance, so absolutely for values
 * up to `floor` and relatively above.
 */
export interface Tolerance {
  tolerance: number;
  floor: number;
}

/** Compares two sequences of values element by element (by default to 1e-4, floor 1). */
export function compareValues(
  values: ArrayLike<number>,
  reference: ArrayLike<number>,
  what: string,
  { tolerance, floor }: Tolerance = { tolerance: TRAJECTORY_TOLERANCE, floor: 1 },
): CheckResult {
  let maxDiff = 0;
  let firstBad = -1;
  for (let i = 0; i < reference.length; i++) {
    const d = Math.abs(values[i] - reference[i]) / Math.max(floor, Math.abs(reference[i]));
    // NaN compares false, so it is caught by the negation.
    if (!(d <= tolerance) && firstBad < 0) firstBad = i;
    if (!(d <= maxDiff)) maxDiff = d;
  }
  if (values.length !== reference.length) {
    return { ok: false, maxDiff, detail: `${values.length} ${what} against ${reference.length}` };
  }
  if (firstBad >= 0) {
    return {
      ok: false,
      maxDiff,
      detail: `${what} ${firstBad}: ${values[firstBad]} against ${reference[firstBad]}`,
    };
  }
  return { ok: true, maxDiff, detail: `${reference.length} ${what}` };
}

/** Runs `inputs` forward passes and concatenates the outputs, for comparing predictors. */
export function predictions(predictor: Predictor, inputs: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < inputs; i++) out.push(...Array.from(predictor.predict(i)));
  return out;
}
