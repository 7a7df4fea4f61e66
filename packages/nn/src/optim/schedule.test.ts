import { scalar } from '@loom/core';
import { describe, expect, test } from 'vitest';
import {
  constantSchedule,
  cosineDecaySchedule,
  exponentialDecay,
  linearSchedule,
  linearWarmup,
  warmupCosineDecaySchedule,
} from './schedule.js';

/** Evaluates a schedule on plain-number steps and compares with the expected values. */
function expectValues(s: (n: number) => number, steps: number[], want: number[]): void {
  steps.forEach((n, i) => {
    expect(s(n)).toBeCloseTo(want[i], 12);
  });
}

describe('schedules (numbers in, numbers out; tensors in, tensors out)', () => {
  test('constant and linear', () => {
    expectValues(constantSchedule(0.3), [0, 10], [0.3, 0.3]);
    expectValues(linearSchedule(1, 0, 4, 2), [0, 2, 3, 6, 100], [1, 1, 0.75, 0, 0]);
    expectValues(linearWarmup(0, 1, 10), [0, 5, 10, 20], [0, 0.5, 1, 1]);
  });

  test('exponential decay: init·rate^((t − begin)/steps), staircase, end value', () => {
    const s = exponentialDecay({ initValue: 2, transitionSteps: 10, decayRate: 0.5 });
    expectValues(s, [0, 5, 10, 20], [2, 2 * 0.5 ** 0.5, 1, 0.5]);
    const stairs = exponentialDecay({
      initValue: 2,
      transitionSteps: 10,
      decayRate: 0.5,
      staircase: true,
    });
    expectValues(stairs, [5, 9, 10, 19, 20], [2, 2, 1, 1, 0.5]);
    const begin = exponentialDecay({
      initValue: 1,
      transitionSteps: 1,
      decayRate: 0.5,
      transitionBegin: 3,
      endValue: 0.2,
    });
    expectValues(begin, [0, 3, 4, 5, 50], [1, 1, 0.5, 0.25, 0.2]);
  });

  test('cosine decay and warmup + cosine', () => {
    const c = cosineDecaySchedule({ initValue: 1, decaySteps: 10, alpha: 0.1 });
    expectValues(c, [0, 5, 10, 20], [1, 0.55, 0.1, 0.1]);
    const w = warmupCosineDecaySchedule({
      initValue: 0,
      peakValue: 1,
      warmupSteps: 4,
      decaySteps: 14,
      endValue: 0.1,
    });
    const mid = 0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI / 2));
    expectValues(w, [0, 2, 4, 9, 14, 30], [0, 0.5, 1, mid, 0.1, 0.1]);
    expect(() =>
      warmupCosineDecaySchedule({ initValue: 0, peakValue: 1, warmupSteps: 5, decaySteps: 5 }),
    ).toThrow(/must be positive/);
  });

  test('tensor counts (int32, as in optimizer states) give float64 scalar tensors', () => {
    const s = exponentialDecay({ initValue: 1, transitionSteps: 2, decayRate: 0.25 });
    const v = s(scalar(4, 'int32'));
    expect(v.dtype).toBe('float64');
    expect(v.shape).toEqual([]);
    expect(v.item()).toBeCloseTo(0.0625, 14);
  });
});
