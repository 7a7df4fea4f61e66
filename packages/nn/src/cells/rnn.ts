// SPDX-License-Identifier: MIT
import { random, type Tensor, zeros } from '@loom/core';
import { normal, zeros as zerosInit } from '../init/basic.js';
import type { Initializer } from '../init/initializer.js';
import { identity } from '../init/orthogonal.js';
import { glorotUniform } from '../init/variance_scaling.js';
import { type ActivationName, activation } from '../layers/activations.js';
import { checkConfig } from '../validate.js';
import type { Cell, CellConfig } from './cell.js';

/** Parameters of the simple (Elman) RNN cell. */
export interface RnnParams {
  /** Input weights [in, H]. */
  readonly wx: Tensor;
  /** Recurrent weights [H, H]. */
  readonly wh: Tensor;
  /** Bias [H]. */
  readonly b: Tensor;
}

/** Configuration of an RNN cell; the initializers override the cell's defaults. */
export interface RnnConfig extends CellConfig {
  inputInit?: Initializer;
  recurrentInit?: Initializer;
  biasInit?: Initializer;
}

/** Static choices that define an RNN cell type (activation and default initializers). */
export interface RnnCellOptions {
  activation?: ActivationName;
  inputInit?: Initializer;
  recurrentInit?: Initializer;
}

/**
 * Makes a simple RNN cell h' = act(x · wx + h · wh + b). The activation is part of the cell,
 * not of the parameters, so `step` has the usual (params, carry, x) signature.
 * @example
 * const reluCell = makeRnnCell({ activation: 'relu' });
 * const params = reluCell.init(random.key(0), { inFeatures: 3, hiddenSize: 4 });
 */
export function makeRnnCell(options: RnnCellOptions = {}): Cell<RnnParams, Tensor, RnnConfig> {
  const act = activation(options.activation ?? 'tanh');
  return {
    init(key, config) {
      checkConfig('rnnCell.init', config, {
        sizes: ['inFeatures', 'hiddenSize'],
        initializers: ['inputInit', 'recurrentInit', 'biasInit'],
      });
      const { inFeatures, hiddenSize, dtype = 'float32' } = config;
      const [kx, kh, kb] = random.split(key, 3);
      const inputInit = config.inputInit ?? options.inputInit ?? glorotUniform;
      const recurrentInit = config.recurrentInit ?? options.recurrentInit ?? glorotUniform;
      return {
        wx: inputInit(kx, [inFeatures, hiddenSize], dtype),
        wh: recurrentInit(kh, [hiddenSize, hiddenSize], dtype),
        b: (config.biasInit ?? zerosInit)(kb, [hiddenSize], dtype),
      };
    },
    step(params, h, x) {
      return act(x.matmul(params.wx).add(h.matmul(params.wh)).add(params.b));
    },
    initialCarry(config, batch) {
      return zeros([batch, config.hiddenSize], config.dtype ?? 'float32');
    },
    output: (h) => h,
  };
}

/**
 * The tanh RNN cell (Elman), h' = tanh(x · wx + h · wh + b), Glorot-initialized.
 * @example
 * const config = { inFeatures: 2, hiddenSize: 16 };
 * const params = rnnCell.init(random.key(0), config);
 * const x = random.normal(random.key(1), [4, 2]); // [B, in]
 * const h = rnnCell.step(params, rnnCell.initialCarry(config, 4), x); // [4, 16]
 */
export const rnnCell: Cell<RnnParams, Tensor, RnnConfig> = makeRnnCell({ activation: 'tanh' });

/**
 * IRNN (Le, Jaitly & Hinton 2015): a ReLU RNN whose recurrent weights start as the identity and
 * input weights as N(0, 0.001²), so at initialization the state is copied forward and gradients
 * neither vanish nor explode. Use `makeRnnCell` with `identity(scale)` for a scaled identity.
 * @example
 * const params = irnn.init(random.key(0), { inFeatures: 1, hiddenSize: 100 });
 * params.wh; // the 100 × 100 identity
 */
export const irnn: Cell<RnnParams, Tensor, RnnConfig> = makeRnnCell({
  activation: 'relu',
  inputInit: normal(0.001),
  recurrentInit: identity(1),
});
