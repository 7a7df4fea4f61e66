// SPDX-License-Identifier: MIT
// Machine translation in miniature: human-readable dates ("Sunday, 3 May 1987", "05/03/1987")
// into ISO dates ("1987-05-03") with an encoder-decoder and additive attention, trained with
// teacher forcing; tested by greedy decoding (a jitted `scan`) on 1,000 held-out dates.
import { random, type Tensor } from '@loom/core';
import {
  DATE_PAD_ID,
  DATE_START_ID,
  type DateBatch,
  type DateFormatName,
  dateTranslation,
} from '@loom/datasets';
import { adam, chain, clipByGlobalNorm } from '@loom/nn';
import type { RunOptions } from '../args.js';
import { attentionHeatmapSvg } from '../report/attention_heatmap.js';
import { Output, terminalChart } from '../report/output.js';
import { progress } from '../report/progress.js';
import { ExampleError, type Program, type Summary } from './program.js';
import {
  greedyDecode,
  initSeq2Seq,
  type Seq2SeqConfig,
  type Seq2SeqParams,
  seq2seqLoss,
} from './seq2seq_model.js';
import { maybeJit, trainStep } from './train_step.js';

const BATCH = 64;
const HELD_OUT = 1000;
const DEFAULT_STEPS = 1000;
// Formats whose attention shows reordering (day before month, US month first, weekday skipped).
const SHOWCASE: readonly DateFormatName[] = ['dddd, D MMMM YYYY', 'M/D/YYYY', 'MMM D, YYYY'];

/** Exact-match accuracy wanted on the held-out dates (issue 15, item 7). */
export const SEQ2SEQ_TARGET_ACCURACY = 0.99;

export const seq2seqDatesProgram: Program = {
  name: 'seq2seq-dates',
  summary:
    'encoder-decoder GRU with additive attention translating written dates into ISO dates; ' +
    'greedy decoding, attention heat-map',
  async run(options: RunOptions): Promise<Summary> {
    if (options.cell === 'rnn') {
      throw new ExampleError('seq2seq-dates: --cell must be gru (the default) or lstm, got rnn.');
    }
    const steps = options.steps ?? DEFAULT_STEPS;
    const out = new Output(options.out);
    const task = dateTranslation({ seed: options.seed });
    const { train, test } = task.split({ test: HELD_OUT });
    const cfg: Seq2SeqConfig = {
      cell: options.cell ?? 'gru',
      inputVocab: task.inputVocab.length,
      outputVocab: task.outputVocab.length,
      embed: 16,
      encoderHidden: 32,
      decoderHidden: 64,
      attention: 32,
      padId: DATE_PAD_ID,
      startId: DATE_START_ID,
    };
    let params = initSeq2Seq(random.key(options.seed), cfg);
    const optimizer = chain(clipByGlobalNorm(1), adam(options.lr ?? 3e-3));
    let state = optimizer.init(params);
    const train1 = trainStep(
      (p: Seq2SeqParams, inputs: Tensor, decoderInputs: Tensor, targets: Tensor) =>
        seq2seqLoss(p, inputs, decoderInputs, targets, cfg),
      optimizer,
      options.jit,
    );
    const decode = maybeJit(
      (p: Seq2SeqParams, inputs: Tensor) => greedyDecode(p, inputs, cfg, task.outputLength),
      options.jit,
    );
    const stream = task.batches(train, BATCH);
    const losses: number[] = [];
    const bar = progress(steps, 'seq2seq-dates');
    const t0 = performance.now();
    for (let step = 1; step <= steps; step++) {
      const batch: DateBatch = stream.next().value;
      const [p, s, value] = train1(params, state, batch.inputs, batch.decoderInputs, batch.targets);
      params = p;
      state = s;
      const l = value.item();
      losses.push(l);
      bar.update(step, { loss: l });
    }
    bar.stop();
    const seconds = (performance.now() - t0) / 1000;

    const held = task.examples(test);
    const e0 = performance.now();
    const { tokens, weights } = decode(params, held.inputs);
    const decodeSeconds = (performance.now() - e0) / 1000;
    const predicted = task.decodeOutputs(tokens);
    const wrong = held.pairs.flatMap((pair, i) =>
      predicted[i] === pair.target ? [] : [{ ...pair, predicted: predicted[i] }],
    );
    const accuracy = 1 - wrong.length / held.pairs.length;

    // Heat-maps of the first held-out example in each of a few telling formats.
    const S = task.inputLength;
    const T = task.outputLength;
    const w = weights.data();
    const shown = SHOWCASE.flatMap((format) => {
      const i = held.pairs.findIndex((pair) => pair.format === format);
      return i < 0 ? [] : [{ pair: held.pairs[i], i }];
    });
    const maps = shown.map(({ pair, i }) => {
      const chars = Array.from(pair.input);
      return {
        title: `${JSON.stringify(pair.input)} → ${predicted[i]}`,
        input: chars,
        output: Array.from(predicted[i].padEnd(T, '?')),
        weights: Array.from({ length: T }, (_, t) => chars.map((_, j) => w[(i * T + t) * S + j])),
      };
    });
    const heatmap = out.write('seq2seq-dates-attention.svg', attentionHeatmapSvg(maps));
    const window = Math.max(1, Math.min(50, Math.floor(steps / 10)));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const firstLoss = mean(losses.slice(0, window));
    const lastLoss = mean(losses.slice(-window));
    const plot = out.plot(
      'seq2seq-dates-loss.svg',
      [{ name: 'train loss', points: losses.map((v, i) => [i + 1, v] as const) }],
      'seq2seq-dates: training loss (teacher forcing)',
      'step',
      'nats per output character',
    );
    return {
      ok: accuracy >= SEQ2SEQ_TARGET_ACCURACY,
      metrics: {
        accuracy,
        firstLoss,
        lastLoss,
        seconds,
        stepsPerSecond: steps / seconds,
        decodeSeconds,
      },
      lines: [
        terminalChart(losses),
        `loss: ${firstLoss.toFixed(3)} → ${lastLoss.toFixed(4)} nats/char`,
        `${steps} steps of batch ${BATCH} in ${seconds.toFixed(1)} s (${(steps / seconds).toFixed(1)} steps/s, ${options.jit ? 'jit' : 'eager'}, ${cfg.cell})`,
        `exact match on ${held.pairs.length} held-out dates: ${(accuracy * 100).toFixed(1)}% ` +
          `(goal ${SEQ2SEQ_TARGET_ACCURACY * 100}%; greedy decoding ${decodeSeconds.toFixed(2)} s)`,
        ...maps.map((m) => `  ${m.title}`),
        ...wrong
          .slice(0, 5)
          .map((x) => `  wrong: ${JSON.stringify(x.input)} → ${x.predicted} (want ${x.target})`),
        `attention heat-map: ${heatmap}`,
        `plot: ${plot}`,
      ],
    };
  },
};
