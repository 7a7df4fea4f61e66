// SPDX-License-Identifier: MIT
// An encoder-decoder with additive (Bahdanau) attention, written out step by step with core
// `scan` over time-major data that is transposed here explicitly, so nothing depends on the
// default layout of nn's sequence layers.
//
//   encoder: embedding → bidirectional recurrent cell over the input characters (padding held)
//   bridge:  s₀ = tanh([h→_last, h←_first] · W + b)
//   decoder step t: c_t, α_t = attention(s_{t−1}, encoder outputs, mask)
//                   s_t = cell(s_{t−1}, [embed(y_{t−1}), c_t])
//                   logits_t = [s_t, c_t] · W_out + b_out
import { concat, random, scan, type Tensor, tanh, tree, where, zeros } from '@loom/core';
import {
  type AdditiveAttentionParams,
  additiveAttention,
  type EmbeddingParams,
  embedding,
  gruCell,
  type LinearParams,
  linear,
  lstmCell,
  sparseSoftmaxCrossEntropy,
} from '@loom/nn';

/** Sizes of the model; `cell` picks GRU or LSTM for both encoder and decoder. */
export interface Seq2SeqConfig {
  cell: 'gru' | 'lstm';
  inputVocab: number;
  outputVocab: number;
  embed: number;
  /** Hidden size of each encoder direction (the encoder outputs 2× this). */
  encoderHidden: number;
  decoderHidden: number;
  attention: number;
  /** The id that pads inputs and targets, and the id the decoder starts from. */
  padId: number;
  startId: number;
}

/** The parameters: a plain tree, so grad, Adam and jit treat it as one pytree. */
export interface Seq2SeqParams {
  srcEmbed: EmbeddingParams;
  tgtEmbed: EmbeddingParams;
  encoderFwd: unknown;
  encoderBwd: unknown;
  bridge: LinearParams;
  attention: AdditiveAttentionParams;
  decoder: unknown;
  out: LinearParams;
}

// GRU and LSTM behind one face: their parameter and carry types are opaque here.
interface AnyCell {
  init(key: Tensor, config: { inFeatures: number; hiddenSize: number }): unknown;
  step(params: unknown, carry: unknown, x: Tensor): unknown;
  output(carry: unknown): Tensor;
  /** The carry whose output is `h` (an LSTM's memory cell starts at zero). */
  fromHidden(h: Tensor): unknown;
}

const CELLS: Record<Seq2SeqConfig['cell'], AnyCell> = {
  gru: {
    init: (key, config) => gruCell.init(key, config),
    step: (p, c, x) => gruCell.step(p as never, c as Tensor, x),
    output: (c) => c as Tensor,
    fromHidden: (h) => h,
  },
  lstm: {
    init: (key, config) => lstmCell.init(key, config),
    step: (p, c, x) => lstmCell.step(p as never, c as never, x),
    output: (c) => lstmCell.output(c as never),
    fromHidden: (h) => ({ c: zeros(h.shape, h.dtype), h }),
  },
};

/** Draws the parameters. */
export function initSeq2Seq(key: Tensor, cfg: Seq2SeqConfig): Seq2SeqParams {
  const cell = CELLS[cfg.cell];
  const k = random.split(key, 8);
  const memory = 2 * cfg.encoderHidden;
  const encoderCfg = { inFeatures: cfg.embed, hiddenSize: cfg.encoderHidden };
  return {
    srcEmbed: embedding.init(k[0], { numEmbeddings: cfg.inputVocab, features: cfg.embed }),
    tgtEmbed: embedding.init(k[1], { numEmbeddings: cfg.outputVocab, features: cfg.embed }),
    encoderFwd: cell.init(k[2], encoderCfg),
    encoderBwd: cell.init(k[3], encoderCfg),
    bridge: linear.init(k[4], { inFeatures: memory, outFeatures: cfg.decoderHidden }),
    attention: additiveAttention.init(k[5], {
      queryFeatures: cfg.decoderHidden,
      keyFeatures: memory,
      attentionSize: cfg.attention,
    }),
    decoder: cell.init(k[6], { inFeatures: cfg.embed + memory, hiddenSize: cfg.decoderHidden }),
    out: linear.init(k[7], {
      inFeatures: cfg.decoderHidden + memory,
      outFeatures: cfg.outputVocab,
    }),
  };
}

/** What the decoder reads from the encoder. */
export interface Encoded {
  /** Encoder outputs, batch-major [B, S, 2·encoderHidden]. */
  memory: Tensor;
  /** Their projection for attention, computed once per sequence: [B, S, attention]. */
  projectedKeys: Tensor;
  /** Real (non-padding) input positions [B, S]. */
  mask: Tensor;
  /** The decoder's first carry. */
  carry0: unknown;
}

/** One direction over time-major xs [S, B, E]; padded steps keep the carry (and emit it). */
function encodeDirection(
  cell: AnyCell,
  params: unknown,
  xs: Tensor,
  realT: Tensor,
  hidden: number,
  reverse: boolean,
): { outputs: Tensor; last: Tensor } {
  const B = xs.shape[1];
  const carry0 = cell.fromHidden(zeros([B, hidden], xs.dtype));
  const [carry, outputs] = scan(
    (carry: unknown, step: { x: Tensor; real: Tensor }) => {
      const next = cell.step(params, carry, step.x);
      const real = step.real.reshape([B, 1]);
      const kept = tree.map(
        (n: Tensor, c: Tensor) => where(real, n, c),
        next as never,
        carry as never,
      );
      return [kept, cell.output(kept)] as const;
    },
    carry0,
    { x: xs, real: realT },
    { reverse },
  );
  return { outputs, last: cell.output(carry) };
}

/** inputs int32 [B, S] (right-padded with padId) → the encoder outputs and the decoder's start. */
export function encode(p: Seq2SeqParams, inputs: Tensor, cfg: Seq2SeqConfig): Encoded {
  const cell = CELLS[cfg.cell];
  const mask = inputs.ne(cfg.padId);
  const xs = embedding.apply(p.srcEmbed, inputs.transpose([1, 0])); // time-major [S, B, E]
  const realT = mask.transpose([1, 0]); // [S, B]
  const H = cfg.encoderHidden;
  const fwd = encodeDirection(cell, p.encoderFwd, xs, realT, H, false);
  // Run backwards over right-padded inputs, the padding comes first and is skipped (held zero).
  const bwd = encodeDirection(cell, p.encoderBwd, xs, realT, H, true);
  const memory = concat([fwd.outputs, bwd.outputs], -1).transpose([1, 0, 2]); // [B, S, 2H]
  const s0 = tanh(linear.apply(p.bridge, concat([fwd.last, bwd.last], -1)));
  return {
    memory,
    projectedKeys: additiveAttention.projectKeys(p.attention, memory),
    mask,
    carry0: cell.fromHidden(s0),
  };
}

/** One decoder step from the previous output's embedding: next carry, logits, attention. */
function decoderStep(
  p: Seq2SeqParams,
  cfg: Seq2SeqConfig,
  enc: Encoded,
  carry: unknown,
  previous: Tensor,
): { carry: unknown; logits: Tensor; weights: Tensor } {
  const cell = CELLS[cfg.cell];
  const { context, weights } = additiveAttention.apply(
    p.attention,
    cell.output(carry),
    enc.memory,
    {
      mask: enc.mask,
      projectedKeys: enc.projectedKeys,
    },
  );
  const next = cell.step(p.decoder, carry, concat([previous, context], -1));
  const logits = linear.apply(p.out, concat([cell.output(next), context], -1));
  return { carry: next, logits, weights };
}

/**
 * Teacher forcing: the decoder reads the true previous characters (decoderInputs int32 [B, T])
 * and the loss is the cross-entropy of every target character, padding masked out.
 */
export function seq2seqLoss(
  p: Seq2SeqParams,
  inputs: Tensor,
  decoderInputs: Tensor,
  targets: Tensor,
  cfg: Seq2SeqConfig,
): Tensor {
  const enc = encode(p, inputs, cfg);
  const ys = embedding.apply(p.tgtEmbed, decoderInputs.transpose([1, 0])); // [T, B, E]
  const [, logits] = scan(
    (carry: unknown, y: Tensor) => {
      const r = decoderStep(p, cfg, enc, carry, y);
      return [r.carry, r.logits] as const;
    },
    enc.carry0,
    ys,
  );
  const labels = targets.transpose([1, 0]); // [T, B]
  return sparseSoftmaxCrossEntropy(logits, labels, { weights: labels.ne(cfg.padId) });
}

/**
 * Greedy decoding as one `scan` of `length` steps: each step feeds back the argmax of the
 * last. Returns tokens int32 [B, length] and the attention weights [B, length, S].
 */
export function greedyDecode(
  p: Seq2SeqParams,
  inputs: Tensor,
  cfg: Seq2SeqConfig,
  length: number,
): { tokens: Tensor; weights: Tensor } {
  const enc = encode(p, inputs, cfg);
  const B = inputs.shape[0];
  const start = zeros([B], 'int32').add(cfg.startId);
  const [, ys] = scan(
    (c: { carry: unknown; token: Tensor }) => {
      const r = decoderStep(p, cfg, enc, c.carry, embedding.apply(p.tgtEmbed, c.token));
      const token = r.logits.argmax(-1);
      return [
        { carry: r.carry, token },
        { token, weights: r.weights },
      ] as const;
    },
    { carry: enc.carry0, token: start },
    null,
    { length },
  );
  return { tokens: ys.token.transpose([1, 0]), weights: ys.weights.transpose([1, 0, 2]) };
}
