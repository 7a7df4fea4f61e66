// SPDX-License-Identifier: MIT
// A character language model: embedding → recurrent cell (LSTM by default) → dense → softmax
// cross-entropy at every step, Adam with gradient clipping; samples text as it trains.
import { readFileSync } from 'node:fs';
import { div, random, type Tensor, tensor } from '@loom/core';
import { charCorpus, defaultCorpus } from '@loom/datasets';
import {
  adam,
  chain,
  clipByGlobalNorm,
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
import type { RunOptions } from '../args.js';
import { Output, terminalChart } from '../report/output.js';
import { progress } from '../report/progress.js';
import { ExampleError, type Program } from './program.js';
import { maybeJit, trainStep } from './train_step.js';

const HIDDEN = 128;
const EMBED = 32;
const SEQ = 32;
const BATCH = 16;

// The cell is chosen at run time; its parameter and carry types are opaque to the training loop.
type AnyCell = {
  init(key: Tensor, config: { inFeatures: number; hiddenSize: number }): unknown;
  step(params: unknown, carry: unknown, x: Tensor): unknown;
  initialCarry(config: { inFeatures: number; hiddenSize: number }, batch: number): unknown;
  output(carry: unknown): Tensor;
};
type Params = { embed: EmbeddingParams; cell: unknown; out: LinearParams };

function loadText(options: RunOptions): string {
  if (!options.text) return defaultCorpus({ seed: options.seed });
  let text: string;
  try {
    text = readFileSync(options.text, 'utf8');
  } catch (e) {
    throw new ExampleError(`cannot read --text ${options.text}: ${(e as Error).message}`);
  }
  // Checked here so the user hears about their file, not about charCorpus's window options.
  const length = Array.from(text).length;
  if (length < SEQ + 1) {
    throw new ExampleError(
      `--text ${options.text} has ${length} characters; char-rnn trains on windows of ` +
        `${SEQ + 1}, so the text needs at least ${SEQ + 1}.`,
    );
  }
  return text;
}

export const charRnnProgram: Program = {
  name: 'char-rnn',
  summary:
    'LSTM character language model on --text FILE or a generated corpus; samples as it learns',
  async run(options: RunOptions) {
    const steps = options.steps ?? 300;
    const out = new Output(options.out);
    const corpus = charCorpus(loadText(options));
    const V = corpus.vocabSize;
    const cell = (options.cell === 'gru'
      ? gruCell
      : options.cell === 'rnn'
        ? rnnCell
        : lstmCell) as unknown as AnyCell;
    const config = { inFeatures: EMBED, hiddenSize: HIDDEN };
    const [k1, k2, k3] = random.split(random.key(options.seed), 3);
    let params: Params = {
      embed: embedding.init(k1, { numEmbeddings: V, features: EMBED }),
      cell: cell.init(k2, config),
      out: linear.init(k3, { inFeatures: HIDDEN, outFeatures: V }),
    };
    const logitsOf = (p: Params, ids: Tensor, carry0: unknown) => {
      const xs = embedding.apply(p.embed, ids.transpose([1, 0])); // [T, B, E]
      const { outputs, carry } = rnn(cell as never, p.cell as never, xs, carry0 as never);
      return { logits: linear.apply(p.out, outputs), carry };
    };
    const loss = (p: Params, windows: Tensor) => {
      const T = windows.shape[1] - 1;
      const inputs = windows.slice([0, 0], [windows.shape[0], T]);
      const targets = windows.slice([0, 1], [windows.shape[0], T + 1]).transpose([1, 0]);
      return sparseSoftmaxCrossEntropy(
        logitsOf(p, inputs, cell.initialCarry(config, windows.shape[0])).logits,
        targets,
      );
    };
    const optimizer = chain(clipByGlobalNorm(5), adam(2e-3));
    let state = optimizer.init(params);
    const train = trainStep(loss, optimizer, options.jit);
    const stream = corpus.windowStream({ batchSize: BATCH, seqLen: SEQ, seed: options.seed });
    const losses: number[] = [];
    const samples: string[] = [];
    // One character at a time: the same cell step, compiled once for batch 1.
    const cellStep = maybeJit(
      (p: Params, id: Tensor, carry: unknown) => logitsOf(p, id, carry),
      options.jit,
    );
    const sample = (key: Tensor, length: number, temperature: number) => {
      let carry = cell.initialCarry(config, 1);
      let id = tensor([[corpus.encode(corpus.vocab[0])[0]]], { dtype: 'int32' });
      let text = '';
      let k = key;
      for (let i = 0; i < length; i++) {
        const r = cellStep(params, id, carry);
        carry = r.carry;
        const [kNext, kDraw] = random.split(k);
        k = kNext;
        const logits = div(r.logits.reshape([V]), temperature);
        // Inverse-CDF draw from softmax(logits / temperature).
        const probs = logits.softmax().data();
        let u = random.uniform(kDraw, []).item();
        let next = V - 1;
        for (let j = 0; j < V; j++) {
          u -= probs[j];
          if (u <= 0) {
            next = j;
            break;
          }
        }
        text += corpus.decode(new Int32Array([next]));
        id = tensor([[next]], { dtype: 'int32' });
      }
      return text;
    };
    const bar = progress(steps, 'char-rnn');
    const t0 = performance.now();
    // Sampling is reported, not timed: tokens/s is the training throughput.
    let samplingMs = 0;
    for (let step = 1; step <= steps; step++) {
      const windows = stream.next().value as Tensor;
      const [nextParams, nextState, value] = train(params, state, windows);
      params = nextParams;
      state = nextState;
      const l = value.item();
      losses.push(l);
      bar.update(step, { 'nats/char': l });
      if (step % Math.max(1, Math.floor(steps / 4)) === 0) {
        const s0 = performance.now();
        const text = sample(random.key(step), 120, 0.8);
        samplingMs += performance.now() - s0;
        samples.push(text);
        bar.log(
          `step ${step}: ${l.toFixed(3)} nats/char\n  sample (T=0.8): ${JSON.stringify(text)}`,
        );
      }
    }
    bar.stop();
    const seconds = (performance.now() - t0 - samplingMs) / 1000;
    // Mean loss over the first and last eighth of the run (at most 20 steps each).
    const window = Math.max(1, Math.min(20, Math.floor(steps / 8)));
    const first = losses.slice(0, window).reduce((a, b) => a + b, 0) / window;
    const last = losses.slice(-window).reduce((a, b) => a + b, 0) / window;
    const plot = out.plot(
      'char-rnn-loss.svg',
      [{ name: 'train loss', points: losses.map((v, i) => [i + 1, v] as const) }],
      'char-rnn: training loss',
      'step',
      'nats per character',
    );
    return {
      ok: last < first * 0.8,
      metrics: {
        firstLoss: first,
        lastLoss: last,
        uniformLoss: Math.log(V),
        seconds,
        tokensPerSecond: (steps * BATCH * SEQ) / seconds,
      },
      lines: [
        terminalChart(losses),
        `loss: ${first.toFixed(3)} → ${last.toFixed(3)} nats/char (uniform over ${V} symbols: ${Math.log(V).toFixed(3)})`,
        `${steps} steps in ${seconds.toFixed(1)} s of training (${((steps * BATCH * SEQ) / seconds).toFixed(0)} tokens/s, ${options.jit ? 'jit' : 'eager'}; sampling ${(samplingMs / 1000).toFixed(1)} s more)`,
        `last sample: ${JSON.stringify(samples[samples.length - 1] ?? '')}`,
        `plot: ${plot}`,
      ],
    };
  },
};
