// SPDX-License-Identifier: MIT
// A character language model: embedding → recurrent cell (LSTM by default) → dense → softmax
// cross-entropy at every step, and a sampler that draws text one character at a time.
// Browser-safe: the CLI program and the live training page both train this model.
import { div, random, type Tensor, tensor } from '@loom/core';
import type { CharCorpus } from '@loom/datasets';
import {
  type EmbeddingParams,
  embedding,
  gruCell,
  type LinearParams,
  linear,
  lstmCell,
  rnn,
  rnnCell,
  sparseSoftmaxCrossEntropy,
} from '@loom/nn';
import { maybeJit } from '../programs/train_step.js';

/** The recurrent cells the model can use. */
export type CharCellKind = 'rnn' | 'lstm' | 'gru';

/** Sizes of the model; defaults are the CLI's (embedding 32, hidden 128, LSTM). */
export interface CharModelConfig {
  readonly cell?: CharCellKind;
  readonly hidden?: number;
  readonly embed?: number;
}

// The cell is chosen at run time; its parameter and carry types are opaque to the training loop.
type AnyCell = {
  init(key: Tensor, config: { inFeatures: number; hiddenSize: number }): unknown;
  initialCarry(config: { inFeatures: number; hiddenSize: number }, batch: number): unknown;
};

/** The model's weights; the cell's are opaque (they depend on the cell kind). */
export type CharParams = { embed: EmbeddingParams; cell: unknown; out: LinearParams };

/** A character model over one corpus's vocabulary. */
export interface CharModel {
  readonly corpus: CharCorpus;
  /** Initial weights from one seed. */
  init(seed: number): CharParams;
  /** Mean next-character cross-entropy (nats/char) over windows [B, T + 1] (int32). */
  loss(params: CharParams, windows: Tensor): Tensor;
  /**
   * A sampler: `length` characters drawn from softmax(logits / temperature), starting from the
   * first vocabulary symbol; the one-character step runs under jit unless `useJit` is false.
   */
  sampler(
    useJit: boolean,
  ): (params: CharParams, key: Tensor, length: number, temperature: number) => string;
}

/** Builds the character model for `corpus`. */
export function charModel(corpus: CharCorpus, config: CharModelConfig = {}): CharModel {
  const V = corpus.vocabSize;
  const kind = config.cell ?? 'lstm';
  const cell = (kind === 'gru'
    ? gruCell
    : kind === 'rnn'
      ? rnnCell
      : lstmCell) as unknown as AnyCell;
  const cellConfig = { inFeatures: config.embed ?? 32, hiddenSize: config.hidden ?? 128 };
  const logitsOf = (p: CharParams, ids: Tensor, carry0: unknown) => {
    const xs = embedding.apply(p.embed, ids); // [B, T, E], batch-major like nn.rnn
    const { outputs, carry } = rnn(cell as never, p.cell as never, xs, carry0 as never);
    return { logits: linear.apply(p.out, outputs), carry };
  };
  return {
    corpus,
    init(seed) {
      const [k1, k2, k3] = random.split(random.key(seed), 3);
      return {
        embed: embedding.init(k1, { numEmbeddings: V, features: cellConfig.inFeatures }),
        cell: cell.init(k2, cellConfig),
        out: linear.init(k3, { inFeatures: cellConfig.hiddenSize, outFeatures: V }),
      };
    },
    loss(p, windows) {
      const T = windows.shape[1] - 1;
      const inputs = windows.slice([0, 0], [windows.shape[0], T]);
      const targets = windows.slice([0, 1], [windows.shape[0], T + 1]);
      return sparseSoftmaxCrossEntropy(
        logitsOf(p, inputs, cell.initialCarry(cellConfig, windows.shape[0])).logits,
        targets,
      );
    },
    sampler(useJit) {
      // One character at a time: the same cell step, compiled once for batch 1.
      const cellStep = maybeJit(
        (p: CharParams, id: Tensor, carry: unknown) => logitsOf(p, id, carry),
        useJit,
      );
      return (params, key, length, temperature) => {
        let carry = cell.initialCarry(cellConfig, 1);
        let id = tensor([[corpus.encode(corpus.vocab[0])[0]]], { dtype: 'int32' });
        let text = '';
        let k = key;
        for (let i = 0; i < length; i++) {
          const r = cellStep(params, id, carry);
          carry = r.carry;
          const [kNext, kDraw] = random.split(k);
          k = kNext;
          const next = random.categorical(kDraw, div(r.logits.reshape([V]), temperature)).item();
          text += corpus.decode(new Int32Array([next]));
          id = tensor([[next]], { dtype: 'int32' });
        }
        return text;
      };
    },
  };
}
