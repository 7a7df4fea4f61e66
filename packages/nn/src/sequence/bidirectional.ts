// SPDX-License-Identifier: MIT
import { concat, random, type Tensor } from '@loom/core';
import type { Cell, CellConfig } from '../cells/cell.js';
import { runLayer, type SequenceOptions, type SequenceResult } from './rnn.js';

/** A pair of values, one per direction. */
export interface Directions<T> {
  forward: T;
  backward: T;
}

/** Parameters for `bidirectional`: independent weights per direction, from split keys. */
export function bidirectionalInit<P, C, Cfg extends CellConfig>(
  key: Tensor,
  cell: Cell<P, C, Cfg>,
  config: Cfg,
): Directions<P> {
  const [kf, kb] = random.split(key);
  return { forward: cell.init(kf, config), backward: cell.init(kb, config) };
}

/**
 * Runs `cell` forward and backward over xs [B, T, in] ([T, B, in] with `timeMajor`) and
 * concatenates the two outputs on the feature axis: [B, T, 2H], forward features first. Each output at t is aligned with x_t. The
 * carry holds both final carries (the backward one is the carry after reading x_0).
 * @example
 * const config = { inFeatures: 3, hiddenSize: 8 };
 * const params = bidirectionalInit(random.key(0), lstmCell, config);
 * const carry0 = {
 *   forward: lstmCell.initialCarry(config, 2),
 *   backward: lstmCell.initialCarry(config, 2),
 * };
 * const xs = random.normal(random.key(1), [2, 5, 3]); // [B, T, in]
 * const { outputs } = bidirectional(lstmCell, params, xs, carry0); // [2, 5, 16]
 */
export function bidirectional<P, C>(
  cell: Cell<P, C, never>,
  params: Directions<P>,
  xs: Tensor,
  carry0: Directions<C>,
  options: Omit<SequenceOptions, 'reverse'> = {},
): SequenceResult<Directions<C>> {
  const fwd = runLayer('bidirectional', cell, params.forward, xs, carry0.forward, options);
  const bwd = runLayer('bidirectional', cell, params.backward, xs, carry0.backward, {
    ...options,
    reverse: true,
  });
  return {
    outputs: concat([fwd.outputs, bwd.outputs], -1),
    carry: { forward: fwd.carry, backward: bwd.carry },
  };
}
