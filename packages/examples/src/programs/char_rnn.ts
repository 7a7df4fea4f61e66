// SPDX-License-Identifier: MIT
// A character language model: embedding → recurrent cell (LSTM by default) → dense → softmax
// cross-entropy at every step, Adam with gradient clipping; samples text as it trains.
import { readFileSync } from 'node:fs';
import { random, type Tensor } from '@loom/core';
import { charCorpus, defaultCorpus } from '@loom/datasets';
import { adam, chain, clipByGlobalNorm } from '@loom/nn';
import type { RunOptions } from '../args.js';
import { charModel } from '../models/char_rnn.js';
import { Output, terminalChart } from '../report/output.js';
import { progress } from '../report/progress.js';
import { ExampleError, type Program } from './program.js';
import { trainStep } from './train_step.js';

const SEQ = 32;
const BATCH = 16;

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
    const model = charModel(corpus, { cell: options.cell });
    let params = model.init(options.seed);
    const optimizer = chain(clipByGlobalNorm(5), adam(2e-3));
    let state = optimizer.init(params);
    const train = trainStep(model.loss, optimizer, options.jit);
    const stream = corpus.windowStream({ batchSize: BATCH, seqLen: SEQ, seed: options.seed });
    const losses: number[] = [];
    const samples: string[] = [];
    const sampler = model.sampler(options.jit);
    const sample = (key: Tensor, length: number, temperature: number) =>
      sampler(params, key, length, temperature);
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
