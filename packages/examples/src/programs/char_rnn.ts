// SPDX-License-Identifier: MIT
// A character language model: embedding → recurrent cell (LSTM by default) → dense → softmax
// cross-entropy at every step, Adam with gradient clipping; samples text as it trains.
import { random, type Tensor } from '@loom/core';
import {
  type CharCorpusSplit,
  CharTextError,
  charCorpusSplit,
  DEFAULT_HELD_OUT_FRACTION,
  defaultCorpus,
} from '@loom/datasets';
import { charCorpusFromFile } from '@loom/datasets/node';
import { adam, chain, clipByGlobalNorm } from '@loom/nn';
import type { RunOptions } from '../args.js';
import { charModel } from '../models/char_rnn.js';
import { Output, terminalChart } from '../report/output.js';
import { progress } from '../report/progress.js';
import { heldOutLoss, heldOutWindows } from './char_perplexity.js';
import { ExampleError, type Program } from './program.js';
import { trainStep } from './train_step.js';

const SEQ = 32;
const BATCH = 16;
/** Sampling temperature unless `--temperature` says otherwise. */
export const CHAR_RNN_TEMPERATURE = 0.8;
/** Held-out windows per evaluation batch, and at most this many characters scored. */
const EVAL_BATCH = 64;
const MAX_HELD_OUT = 16_384;

/** The training prefix and held-out tail of `--text FILE` or of the generated corpus. */
async function loadSplit(options: RunOptions): Promise<CharCorpusSplit> {
  if (!options.text) return charCorpusSplit(defaultCorpus({ seed: options.seed }), { seqLen: SEQ });
  try {
    return await charCorpusFromFile(options.text, { seqLen: SEQ });
  } catch (e) {
    // Said about the user's flag and file, not about the dataset function's options.
    if (!(e instanceof CharTextError)) throw e;
    if (e.problem === 'unreadable') {
      const reason = e.cause instanceof Error ? e.cause.message : e.detail;
      throw new ExampleError(`cannot read --text ${options.text}: ${reason}`);
    }
    throw new ExampleError(`--text ${options.text} ${e.detail}`);
  }
}

export const charRnnProgram: Program = {
  name: 'char-rnn',
  summary:
    'LSTM character language model on --text FILE or a generated corpus; samples as it learns',
  async run(options: RunOptions) {
    const steps = options.steps ?? 300;
    const temperature = options.temperature ?? CHAR_RNN_TEMPERATURE;
    if (!(Number.isFinite(temperature) && temperature > 0)) {
      throw new ExampleError(`--temperature must be a positive number, got ${temperature}.`);
    }
    const split = await loadSplit(options);
    const out = new Output(options.out);
    const corpus = split.train;
    const V = corpus.vocabSize;
    const model = charModel(corpus, { cell: options.cell });
    let params = model.init(options.seed);
    const optimizer = chain(clipByGlobalNorm(5), adam(2e-3));
    let state = optimizer.init(params);
    const train = trainStep(model.loss, optimizer, options.jit);
    const stream = corpus.windowStream({ batchSize: BATCH, seqLen: SEQ, seed: options.seed });
    const held = heldOutWindows(split.heldOut, SEQ, EVAL_BATCH, MAX_HELD_OUT);
    const evaluate = heldOutLoss(model.loss, held, options.jit);
    const losses: number[] = [];
    const heldOut: [number, number][] = [];
    const samples: string[] = [];
    const sampler = model.sampler(options.jit);
    const sample = (key: Tensor, length: number) => sampler(params, key, length, temperature);
    const bar = progress(steps, 'char-rnn');
    const t0 = performance.now();
    // Sampling and evaluation are reported, not timed: tokens/s is the training throughput.
    let samplingMs = 0;
    for (let step = 1; step <= steps; step++) {
      const windows = stream.next().value as Tensor;
      const [nextParams, nextState, value] = train(params, state, windows);
      params = nextParams;
      state = nextState;
      const l = value.item();
      losses.push(l);
      bar.update(step, { 'nats/char': l });
      if (step % Math.max(1, Math.floor(steps / 4)) === 0 || step === steps) {
        const s0 = performance.now();
        const text = sample(random.key(step), 120);
        const heldOutNats = evaluate(params);
        samplingMs += performance.now() - s0;
        samples.push(text);
        heldOut.push([step, heldOutNats]);
        bar.log(
          `step ${step}: ${l.toFixed(3)} nats/char, held-out perplexity ${Math.exp(heldOutNats).toFixed(2)}\n` +
            `  sample (T=${temperature}): ${JSON.stringify(text)}`,
        );
      }
    }
    bar.stop();
    const seconds = (performance.now() - t0 - samplingMs) / 1000;
    // Mean loss over the first and last eighth of the run (at most 20 steps each).
    const window = Math.max(1, Math.min(20, Math.floor(steps / 8)));
    const first = losses.slice(0, window).reduce((a, b) => a + b, 0) / window;
    const last = losses.slice(-window).reduce((a, b) => a + b, 0) / window;
    const finalNats = heldOut[heldOut.length - 1][1];
    const perplexity = Math.exp(finalNats);
    const heldOutPercent = 100 * DEFAULT_HELD_OUT_FRACTION;
    const plot = out.plot(
      'char-rnn-loss.svg',
      [
        { name: 'train loss', points: losses.map((v, i) => [i + 1, v] as const) },
        { name: 'held-out loss', points: heldOut.map(([s, v]) => [s, v] as const) },
      ],
      'char-rnn: training and held-out loss',
      'step',
      'nats per character',
    );
    return {
      ok: last < first * 0.8 && perplexity < V,
      metrics: {
        firstLoss: first,
        lastLoss: last,
        uniformLoss: Math.log(V),
        vocabSize: V,
        heldOutLoss: finalNats,
        heldOutPerplexity: perplexity,
        heldOutCharacters: held.characters,
        temperature,
        seconds,
        tokensPerSecond: (steps * BATCH * SEQ) / seconds,
      },
      lines: [
        terminalChart(losses),
        `loss: ${first.toFixed(3)} → ${last.toFixed(3)} nats/char (uniform over ${V} symbols: ${Math.log(V).toFixed(3)})`,
        `held-out perplexity: ${perplexity.toFixed(3)} (${finalNats.toFixed(3)} nats/char) on ${held.characters} characters of the last ${heldOutPercent}% of the ${options.text ? 'text' : 'corpus'} (uniform: ${V})`,
        `${steps} steps in ${seconds.toFixed(1)} s of training (${((steps * BATCH * SEQ) / seconds).toFixed(0)} tokens/s, ${options.jit ? 'jit' : 'eager'}; sampling and held-out evaluation ${(samplingMs / 1000).toFixed(1)} s more)`,
        `last sample (T=${temperature}): ${JSON.stringify(samples[samples.length - 1] ?? '')}`,
        `plot: ${plot}`,
      ],
    };
  },
};
