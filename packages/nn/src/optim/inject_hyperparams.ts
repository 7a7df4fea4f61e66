// SPDX-License-Identifier: MIT
import { InvalidArgumentError, scalar, type Tensor } from '@loom/core';
import type { GradientTransformation } from './base.js';
import { checkLearningRate } from './options.js';
import type { ScalarOrSchedule } from './schedule.js';
import { checkCount, zeroCount } from './tree_util.js';

/** The state of an optimizer built by `injectHyperparams`. */
export interface InjectHyperparamsState<S = unknown> {
  /** Updates made so far (int32 scalar); a learning-rate schedule is evaluated on it. */
  count: Tensor;
  /** The current hyperparameters as float64 scalars: replace one to change it between steps. */
  hyperparams: { learningRate: Tensor };
  innerState: S;
}

/** An optimizer factory in the shape of the aliases: `(learningRate, options?)`. */
export type OptimizerFactory<O, S> = (
  learningRate: ScalarOrSchedule,
  options?: O,
) => GradientTransformation<S>;

/**
 * Moves an optimizer's learning rate into its state, as optax.inject_hyperparams: the rate is a
 * float64 scalar in `state.hyperparams.learningRate`, so it can be read (for logging) and
 * replaced between steps — also in a jitted step, which does not retrace since only a value
 * changes. Given a schedule, the state holds the schedule's value at the current count. Other
 * options stay static, as optax's `static_args`.
 * @example
 * const opt = injectHyperparams(adam)(1e-3);
 * let state = opt.init(params);
 * state = { ...state, hyperparams: { learningRate: scalar(1e-4, 'float64') } };
 */
export function injectHyperparams<O, S>(
  factory: OptimizerFactory<O, S>,
): (
  learningRate: ScalarOrSchedule,
  options?: O,
) => GradientTransformation<InjectHyperparamsState<S>> {
  return (learningRate, options) => {
    checkLearningRate('injectHyperparams', learningRate);
    const valueAt = (count: Tensor): Tensor =>
      typeof learningRate === 'number'
        ? scalar(learningRate, 'float64')
        : learningRate(count).astype('float64');
    // The inner optimizer reads the rate from the state through a schedule-shaped closure, so
    // its own state has the same structure whatever value the rate takes.
    const inner = (rate: () => Tensor) => factory(() => rate(), options);
    return {
      init(params) {
        const count = zeroCount();
        const rate = valueAt(count);
        return {
          count,
          hyperparams: { learningRate: rate },
          innerState: inner(() => rate).init(params),
        };
      },
      update(updates, state, params) {
        checkCount('injectHyperparams', state.count);
        const rate =
          typeof learningRate === 'number'
            ? checkRate(state.hyperparams?.learningRate)
            : valueAt(state.count);
        const [out, innerState] = inner(() => rate).update(updates, state.innerState, params);
        return [
          out,
          { count: state.count.add(1), hyperparams: { learningRate: rate }, innerState },
        ];
      },
    };
  };
}

function checkRate(rate: unknown): Tensor {
  const isTensor = rate !== null && typeof rate === 'object' && 'shape' in rate && 'dtype' in rate;
  const t = rate as Tensor;
  if (!isTensor || t.shape.length !== 0 || (t.dtype !== 'float32' && t.dtype !== 'float64')) {
    const got = isTensor ? `a ${t.dtype}[${t.shape.join(', ')}] tensor` : String(rate);
    throw new InvalidArgumentError(
      `injectHyperparams: state.hyperparams.learningRate must be a float scalar tensor ` +
        `(e.g. scalar(1e-4, 'float64')), got ${got}.`,
    );
  }
  return t.astype('float64');
}
