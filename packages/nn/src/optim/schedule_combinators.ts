// SPDX-License-Identifier: MIT
import { InvalidArgumentError, where } from '@loom/core';
import { makeSchedule, type Schedule, type ScheduleFn } from './schedule.js';

/**
 * A piecewise constant schedule, as optax's piecewise_constant_schedule: the value starts at
 * `initValue` and is multiplied by `boundariesAndScales[b]` once the count reaches b (keys are
 * step counts, non-negative integers; scales apply cumulatively in order of their boundary).
 * @example
 * // 0.1 until step 1000, then 0.01, from step 2000 on 0.001.
 * const lr = piecewiseConstantSchedule(0.1, { 1000: 0.1, 2000: 0.1 });
 */
export function piecewiseConstantSchedule(
  initValue: number,
  boundariesAndScales: Readonly<Record<number, number>> = {},
): Schedule {
  const op = 'piecewiseConstantSchedule';
  if (!Number.isFinite(initValue)) {
    throw new InvalidArgumentError(`${op}: initValue must be a finite number, got ${initValue}.`);
  }
  if (boundariesAndScales === null || typeof boundariesAndScales !== 'object') {
    throw new InvalidArgumentError(
      `${op}: boundariesAndScales must be an object {step: scale}, got ${String(boundariesAndScales)}.`,
    );
  }
  const pieces = Object.entries(boundariesAndScales).map(([key, scale]) => {
    const boundary = Number(key);
    if (!Number.isInteger(boundary) || boundary < 0) {
      throw new InvalidArgumentError(
        `${op}: boundary ${JSON.stringify(key)} must be a non-negative integer step count.`,
      );
    }
    if (typeof scale !== 'number' || !Number.isFinite(scale)) {
      throw new InvalidArgumentError(
        `${op}: the scale at boundary ${boundary} must be a finite number, got ${String(scale)}.`,
      );
    }
    return [boundary, scale] as const;
  });
  pieces.sort((a, b) => a[0] - b[0]);
  return makeSchedule((count) => {
    let value = count.mul(0).add(initValue);
    let product = initValue;
    for (const [boundary, scale] of pieces) {
      product *= scale;
      value = where(count.ge(boundary), product, value);
    }
    return value;
  });
}

/**
 * Runs `schedules[i]` from `boundaries[i − 1]` on, each seeing the count since its own start, as
 * optax's join_schedules: `joinSchedules([warmup, decay], [500])` is `warmup(t)` for t < 500 and
 * `decay(t − 500)` after. Needs one boundary fewer than schedules, increasing.
 * @example
 * const lr = joinSchedules([linearSchedule(0, 1e-3, 500), cosineDecaySchedule({ initValue: 1e-3, decaySteps: 9500 })], [500]);
 */
export function joinSchedules(
  schedules: readonly ScheduleFn[],
  boundaries: readonly number[],
): Schedule {
  const op = 'joinSchedules';
  if (
    !Array.isArray(schedules) ||
    schedules.length === 0 ||
    schedules.some((s) => typeof s !== 'function')
  ) {
    throw new InvalidArgumentError(
      `${op}: schedules must be a non-empty array of schedule functions.`,
    );
  }
  if (!Array.isArray(boundaries) || boundaries.length !== schedules.length - 1) {
    throw new InvalidArgumentError(
      `${op}: ${schedules.length} schedules need ${schedules.length - 1} boundaries, got ` +
        `${Array.isArray(boundaries) ? boundaries.length : String(boundaries)}.`,
    );
  }
  boundaries.forEach((b, i) => {
    if (!Number.isInteger(b) || b < 0 || (i > 0 && b <= boundaries[i - 1])) {
      throw new InvalidArgumentError(
        `${op}: boundaries must be increasing non-negative integers, got [${boundaries.join(', ')}].`,
      );
    }
  });
  return makeSchedule((count) => {
    let value = schedules[0](count).astype('float64');
    boundaries.forEach((boundary, i) => {
      const next = schedules[i + 1](count.sub(boundary)).astype('float64');
      value = where(count.lt(boundary), value, next);
    });
    return value;
  });
}
