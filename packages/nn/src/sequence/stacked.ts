// SPDX-License-Identifier: MIT
import { InvalidArgumentError, random, type Tensor } from '@loom/core';
import type { Cell, CellConfig } from '../cells/cell.js';
import { runLayer, type SequenceOptions, type SequenceResult } from './rnn.js';

/** Parameters of a stack of cells, one per layer, from split keys. */
export function stackedInit<P, C, Cfg extends CellConfig>(
  key: Tensor,
  cells: readonly Cell<P, C, Cfg>[],
  configs: readonly Cfg[],
): P[] {
  if (cells.length !== configs.length) {
    throw new InvalidArgumentError(
      `stackedInit: ${cells.length} cells but ${configs.length} configs; give one config per layer.`,
    );
  }
  const keys = random.split(key, Math.max(1, cells.length));
  return cells.map((cell, i) => cell.init(keys[i], configs[i]));
}

/**
 * A deep RNN: layer l reads the output sequence of layer l − 1 (layer 0 reads xs). Returns the
 * last layer's outputs and every layer's final carry. The mask (and direction) apply to every
 * layer. Cells may differ per layer (type them as `Cell<unknown, unknown, never>` then).
 * @example
 * const configs = [{ inFeatures: 3, hiddenSize: 8 }, { inFeatures: 8, hiddenSize: 8 }];
 * const params = stackedInit(random.key(0), [gruCell, gruCell], configs);
 * const carries = configs.map((c) => gruCell.initialCarry(c, 2));
 * const xs = random.normal(random.key(1), [2, 5, 3]); // [B, T, in]
 * const { outputs } = stacked([gruCell, gruCell], params, xs, carries); // [2, 5, 8]
 */
export function stacked<P, C>(
  cells: readonly Cell<P, C, never>[],
  params: readonly P[],
  xs: Tensor,
  carries: readonly C[],
  options: SequenceOptions = {},
): SequenceResult<C[]> {
  if (cells.length === 0 || params.length !== cells.length || carries.length !== cells.length) {
    throw new InvalidArgumentError(
      `stacked: needs one params and one carry per cell, got ${cells.length} cells, ` +
        `${params.length} params and ${carries.length} carries (at least one layer).`,
    );
  }
  let outputs = xs;
  const carry: C[] = [];
  cells.forEach((cell, i) => {
    const layer = runLayer('stacked', cell, params[i], outputs, carries[i], options);
    outputs = layer.outputs;
    carry.push(layer.carry);
  });
  return { outputs, carry };
}
