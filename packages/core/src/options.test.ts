import { describe, expect, test } from 'vitest';
import { InvalidArgumentError } from './errors.js';
import { checkOptionKeys } from './options.js';

describe('checkOptionKeys', () => {
  const valid = ['learningRate', 'momentum', 'nesterov'];
  test('accepts known keys, undefined and null', () => {
    expect(() => checkOptionKeys('sgd', { momentum: 0.9 }, valid)).not.toThrow();
    expect(() => checkOptionKeys('sgd', undefined, valid)).not.toThrow();
    expect(() => checkOptionKeys('sgd', null, valid)).not.toThrow();
    expect(() => checkOptionKeys('sgd', {}, valid)).not.toThrow();
  });
  test('an unknown key names the op, the key and every valid key', () => {
    expect(() => checkOptionKeys('sgd', { debugNans: true }, valid)).toThrow(InvalidArgumentError);
    expect(() => checkOptionKeys('sgd', { debugNans: true }, valid)).toThrow(
      "sgd: unknown option 'debugNans'; valid options are 'learningRate', 'momentum', 'nesterov'.",
    );
  });
  test('a likely misspelling suggests the valid key; several unknown keys are all listed', () => {
    expect(() => checkOptionKeys('sgd', { momentun: 0.9, Nesterov: true, zzz: 1 }, valid)).toThrow(
      "sgd: unknown options 'momentun', 'Nesterov', 'zzz' ('momentun': did you mean 'momentum'?)" +
        " ('Nesterov': did you mean 'nesterov'?); valid options are 'learningRate', 'momentum', 'nesterov'.",
    );
  });
  test('options that are not an object are refused', () => {
    expect(() => checkOptionKeys('jit', 3, ['backend'])).toThrow(
      "jit: options must be an object with keys among 'backend', got number.",
    );
    expect(() => checkOptionKeys('jit', [1], ['backend'])).toThrow(/got an array/);
  });
});
