// SPDX-License-Identifier: MIT
import type { DType, Tensor } from '@loom/core';

/** Sizes shared by every cell's configuration. */
export interface CellConfig {
  /** Features of each input x_t. */
  inFeatures: number;
  /** Size of the hidden state. */
  hiddenSize: number;
  /** Parameter and carry dtype (default float32). */
  dtype?: DType;
}

/**
 * A recurrent cell is one time step, nothing more: parameters are a plain tree made by `init`,
 * and `step` is a pure function from (params, carry, x_t [B, in]) to the next carry. Sequence
 * layers (`rnn`, `bidirectional`, `stacked`) run a cell with `scan`, so BPTT is just `grad`.
 * The configuration is static data: it shapes the parameters but never enters the tree.
 */
export interface Cell<P, C, Cfg extends CellConfig = CellConfig> {
  /** Draws the parameters from a PRNG key. */
  init(key: Tensor, config: Cfg): P;
  /** One step: the carry after reading x [B, in]. */
  step(params: P, carry: C, x: Tensor): C;
  /** The carry before the first step: zeros of [batch, hiddenSize]. */
  initialCarry(config: Cfg, batch: number): C;
  /** The part of the carry emitted as the step's output (h; for the LSTM, not c). */
  output(carry: C): Tensor;
}
