// SPDX-License-Identifier: MIT
import { random, sigmoid, type Tensor, tanh, tensor, zeros } from '@loom/core';
import type { Initializer } from '../init/initializer.js';
import { orthogonal } from '../init/orthogonal.js';
import { glorotUniform } from '../init/variance_scaling.js';
import { checkConfig } from '../validate.js';
import type { Cell, CellConfig } from './cell.js';
import { splitLast } from './gates.js';

/**
 * LSTM parameters with the four gates fused along the last axis in the order
 * [i | f | C̃ | o] (input, forget, candidate, output; PyTorch's order), each block H wide:
 * `wx` [in, 4H], `wh` [H, 4H], `b` [4H]. Stacking [wh; wx] gives the W of the formula
 * W · [h, x], so one step is two matmuls instead of eight.
 */
export interface LstmParams {
  readonly wx: Tensor;
  readonly wh: Tensor;
  readonly b: Tensor;
}

/** The LSTM carry: cell state `c` and hidden state `h`, both [B, H]. */
export interface LstmCarry {
  readonly c: Tensor;
  readonly h: Tensor;
}

/** Configuration of an LSTM cell. */
export interface LstmConfig extends CellConfig {
  /**
   * Initial value of the forget-gate bias b_f (default 1.0, as recommended by Jozefowicz et al.
   * 2015), so the cell starts out remembering; the other biases start at 0.
   */
  forgetBias?: number;
  /** Input weights initializer (default Glorot uniform over the fused [in, 4H]). */
  inputInit?: Initializer;
  /** Recurrent weights initializer (default orthogonal over the fused [H, 4H]). */
  recurrentInit?: Initializer;
}

/**
 * The classic LSTM cell (Hochreiter & Schmidhuber 1997, with forget gate, Gers et al. 2000):
 * ```
 * f = σ(W_f·[h, x] + b_f)     i = σ(W_i·[h, x] + b_i)     C̃ = tanh(W_C·[h, x] + b_C)
 * C = f∘C_prev + i∘C̃          o = σ(W_o·[h, x] + b_o)     h = o∘tanh(C)
 * ```
 * No peepholes. The output of a step is h.
 * @example
 * const config = { inFeatures: 3, hiddenSize: 8 };
 * const params = lstmCell.init(random.key(0), config);
 * const x = random.normal(random.key(1), [2, 3]); // [B, in]
 * const carry = lstmCell.step(params, lstmCell.initialCarry(config, 2), x); // { c, h }
 * lstmCell.output(carry).shape; // [2, 8]
 */
export const lstmCell: Cell<LstmParams, LstmCarry, LstmConfig> = {
  init(key, config) {
    checkConfig('lstmCell.init', config, {
      sizes: ['inFeatures', 'hiddenSize'],
      initializers: ['inputInit', 'recurrentInit'],
      numbers: ['forgetBias'],
    });
    const { inFeatures, hiddenSize: h, dtype = 'float32', forgetBias = 1 } = config;
    const [kx, kh] = random.split(key);
    const b = new Float64Array(4 * h);
    b.fill(forgetBias, h, 2 * h);
    return {
      wx: (config.inputInit ?? glorotUniform)(kx, [inFeatures, 4 * h], dtype),
      wh: (config.recurrentInit ?? orthogonal())(kh, [h, 4 * h], dtype),
      b: tensor(b, { dtype }),
    };
  },
  step(params, carry, x) {
    const z = x.matmul(params.wx).add(carry.h.matmul(params.wh)).add(params.b);
    const [zi, zf, zg, zo] = splitLast(z, 4);
    const c = sigmoid(zf)
      .mul(carry.c)
      .add(sigmoid(zi).mul(tanh(zg)));
    const h = sigmoid(zo).mul(tanh(c));
    return { c, h };
  },
  initialCarry(config, batch) {
    const z = zeros([batch, config.hiddenSize], config.dtype ?? 'float32');
    return { c: z, h: z };
  },
  output: (carry) => carry.h,
};
