import { ShapeError, tensor } from '@loom/core';
import { describe, expect, test } from 'vitest';
import { f64 } from '../../test/reference.js';
import { accuracy } from './accuracy.js';
import { exactMatch } from './exact_match.js';

describe('accuracy', () => {
  test('multiclass: argmax of logits or probabilities against int32 labels', () => {
    const logits = f64([
      [2, 1, 0],
      [0, 5, 1],
      [1, 0, 3],
      [0, 0, 1],
    ]);
    const labels = tensor([0, 1, 0, 2], { dtype: 'int32' });
    const acc = accuracy(logits, labels);
    expect(acc.dtype).toBe('float32');
    expect(acc.item()).toBe(0.75);
    expect(accuracy(logits.softmax(), labels).item()).toBe(0.75);
    // [T, B, C] language-model logits.
    expect(accuracy(f64([[[1, 0]], [[0, 1]]]), tensor([[0], [0]], { dtype: 'int32' })).item()).toBe(
      0.5,
    );
  });

  test('binary: thresholded probabilities (0.5) or logits (threshold 0) against 0/1 or bool targets', () => {
    const probs = f64([0.9, 0.2, 0.6, 0.4]);
    expect(accuracy(probs, f64([1, 0, 0, 0])).item()).toBe(0.75);
    expect(accuracy(probs, tensor([true, false, true, false])).item()).toBe(1);
    expect(accuracy(f64([2, -1, -0.5]), f64([1, 0, 1]), { threshold: 0 }).item()).toBeCloseTo(
      2 / 3,
      6,
    );
  });

  test('shape errors', () => {
    expect(() => accuracy(f64([[1, 2]]), f64([1, 2, 3]))).toThrow(ShapeError);
  });
});

describe('exactMatch', () => {
  test('an example counts only when every bit is right ([B, T, 1] adder outputs)', () => {
    const preds = f64([
      [[0.9], [0.1], [0.8]], // 1 0 1: right
      [[0.9], [0.6], [0.8]], // 1 1 1: one bit wrong
      [[0.2], [0.1], [0.3]], // 0 0 0: right
    ]);
    const targets = f64([
      [[1], [0], [1]],
      [[1], [0], [1]],
      [[0], [0], [0]],
    ]);
    expect(exactMatch(preds, targets).item()).toBeCloseTo(2 / 3, 6);
    expect(accuracy(preds, targets).item()).toBeCloseTo(8 / 9, 6);
    expect(exactMatch(f64([0.7, 0.2]), f64([1, 1])).item()).toBe(0.5);
    expect(() => exactMatch(preds, f64([1]))).toThrow(/same shape/);
  });
});
