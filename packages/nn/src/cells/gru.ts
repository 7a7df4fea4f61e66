// SPDX-License-Identifier: MIT
import { random, sigmoid, type Tensor, tanh, zeros } from '@loom/core';
import { zeros as zerosInit } from '../init/basic.js';
import type { Initializer } from '../init/initializer.js';
import { orthogonal } from '../init/orthogonal.js';
import { glorotUniform } from '../init/variance_scaling.js';
import { checkConfig } from '../validate.js';
import type { Cell, CellConfig } from './cell.js';
import { splitLast } from './gates.js';

/**
 * GRU parameters, gates fused along the last axis in the order [r | z | n] (reset, update,
 * candidate), each block H wide: `wx` [in, 3H], `wh` [H, 3H], and two biases `bx`, `bh` [3H]
 * because the candidate's recurrent bias sits inside the reset product.
 */
export interface GruParams {
  readonly wx: Tensor;
  readonly wh: Tensor;
  readonly bx: Tensor;
  readonly bh: Tensor;
}

/** Configuration of a GRU cell. */
export interface GruConfig extends CellConfig {
  inputInit?: Initializer;
  recurrentInit?: Initializer;
  biasInit?: Initializer;
}

/**
 * The GRU cell in the formulation of Cho et al. 2014 as implemented by PyTorch and cuDNN
 * (the reset gate multiplies the recurrent term *after* its matmul):
 * ```
 * r = σ(x·Wxr + bxr + h·Whr + bhr)      z = σ(x·Wxz + bxz + h·Whz + bhz)
 * n = tanh(x·Wxn + bxn + r∘(h·Whn + bhn))
 * h' = (1 − z)∘n + z∘h
 * ```
 * @example
 * const config = { inFeatures: 3, hiddenSize: 8 };
 * const params = gruCell.init(random.key(0), config);
 * const xs = random.normal(random.key(1), [2, 5, 3]); // [B, T, in]
 * const { outputs } = rnn(gruCell, params, xs, gruCell.initialCarry(config, 2)); // [2, 5, 8]
 */
export const gruCell: Cell<GruParams, Tensor, GruConfig> = {
  init(key, config) {
    checkConfig('gruCell.init', config, {
      sizes: ['inFeatures', 'hiddenSize'],
      initializers: ['inputInit', 'recurrentInit', 'biasInit'],
    });
    const { inFeatures, hiddenSize: h, dtype = 'float32' } = config;
    const [kx, kh, kbx, kbh] = random.split(key, 4);
    const biasInit = config.biasInit ?? zerosInit;
    return {
      wx: (config.inputInit ?? glorotUniform)(kx, [inFeatures, 3 * h], dtype),
      wh: (config.recurrentInit ?? orthogonal())(kh, [h, 3 * h], dtype),
      bx: biasInit(kbx, [3 * h], dtype),
      bh: biasInit(kbh, [3 * h], dtype),
    };
  },
  step(params, h, x) {
    const [xr, xz, xn] = splitLast(x.matmul(params.wx).add(params.bx), 3);
    const [hr, hz, hn] = splitLast(h.matmul(params.wh).add(params.bh), 3);
    const r = sigmoid(xr.add(hr));
    const z = sigmoid(xz.add(hz));
    const n = tanh(xn.add(r.mul(hn)));
    // (1 − z)∘n + z∘h, written as n + z∘(h − n) to save a multiply.
    return n.add(z.mul(h.sub(n)));
  },
  initialCarry(config, batch) {
    return zeros([batch, config.hiddenSize], config.dtype ?? 'float32');
  },
  output: (h) => h,
};
