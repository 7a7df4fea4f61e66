// SPDX-License-Identifier: MIT
// Le, Jaitly & Hinton's IRNN: a ReLU RNN whose recurrent weights start as the identity, reading
// MNIST-format digits one pixel at a time (784 steps), trained with RMSprop and gradient clipping.
// `--rows` reads one row of 28 pixels per step instead, and `--cell lstm` swaps in an LSTM
// trained with Adam: the configuration that reaches 85% on Fashion-MNIST in minutes.
import { argmax, concat, mean, random, type Tensor } from '@loom/core';
import { batches } from '@loom/datasets';
import { loadMnistDir } from '@loom/datasets/node';
import {
  adam,
  type Cell,
  chain,
  clipByGlobalNorm,
  gruCell,
  irnn,
  type LinearParams,
  linear,
  lstmCell,
  rmsprop,
  rnn,
  sparseSoftmaxCrossEntropy,
} from '@loom/nn';
import type { RunOptions } from '../args.js';
import { Output, terminalChart } from '../report/output.js';
import { progress } from '../report/progress.js';
import { ExampleError, type Program } from './program.js';
import { maybeJit, trainStep } from './train_step.js';

const HIDDEN = 100;
const LSTM_HIDDEN = 128;
/** Test images scored during training (the curve); the final score uses the whole test set. */
const CURVE_IMAGES = 1000;
const EVAL_BATCH = 1000;
type CellConfig = { inFeatures: number; hiddenSize: number };
type AnyCell = Cell<unknown, unknown, CellConfig>;
type Params = { cell: unknown; out: LinearParams };

const NO_DATA = `irnn-pixels needs MNIST-format IDX files: pass --data DIR, where DIR holds
train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte
(optionally .gz). Debian's dataset-fashion-mnist package installs Fashion-MNIST in that format:
  apt-get install dataset-fashion-mnist
  pnpm example irnn-pixels --data /usr/share/datasets/fashion-mnist`;

export const irnnPixelsProgram: Program = {
  name: 'irnn-pixels',
  summary:
    'IRNN (identity-initialised ReLU RNN, RMSprop, clip 1.0) on digits from --data DIR, pixel by pixel; --rows: a row per step; --cell lstm: LSTM with Adam',
  async run(options: RunOptions) {
    if (!options.data) throw new ExampleError(NO_DATA);
    const rows = options.rows ?? false;
    const gated = options.cell === 'lstm' || options.cell === 'gru';
    const cell = (options.cell === 'lstm'
      ? lstmCell
      : options.cell === 'gru'
        ? gruCell
        : irnn) as unknown as AnyCell;
    const cellName = options.cell === 'lstm' ? 'LSTM' : options.cell === 'gru' ? 'GRU' : 'IRNN';
    const layout = rows ? 'rows' : 'pixels';
    const data = options.data;
    const splits = await loadMnistDir(data, { layout }).catch((e: Error) => {
      throw new ExampleError(`cannot load --data ${data}: ${e.message}\n\n${NO_DATA}`);
    });
    const steps = options.steps ?? 300;
    const batchSize = rows ? 64 : 16;
    const out = new Output(options.out);
    const inFeatures = splits.train.x.shape[2];
    const config = { inFeatures, hiddenSize: gated ? LSTM_HIDDEN : HIDDEN };
    const [k1, k2] = random.split(random.key(options.seed));
    let params: Params = {
      cell: cell.init(k1, config),
      out: linear.init(k2, { inFeatures: config.hiddenSize, outFeatures: 10 }),
    };
    const logits = (p: Params, x: Tensor) =>
      linear.apply(
        p.out,
        cell.output(rnn(cell, p.cell, x, cell.initialCarry(config, x.shape[0])).carry),
      );
    const loss = (p: Params, x: Tensor, y: Tensor) => sparseSoftmaxCrossEntropy(logits(p, x), y);
    // RMSprop normalises every gradient, so its first steps move each weight by about lr·√10 in
    // the gradient's sign; with 784 applications of a near-identity recurrence, a rate much
    // above 1e-5 pushes the spectral radius past 1 and the activations explode. Gated cells
    // are not at that edge: Adam at 2e-3.
    const lr = options.lr ?? (gated ? 2e-3 : rows ? 1e-4 : 1e-5);
    const optimizer = gated
      ? chain(clipByGlobalNorm(1.0), adam(lr))
      : chain(clipByGlobalNorm(1.0), rmsprop(lr));
    let state = optimizer.init(params);
    const trainOnBatch = trainStep(loss, optimizer, options.jit);
    const train = batches(
      { x: splits.train.x, y: splits.train.y },
      { batchSize, shuffle: true, seed: options.seed },
    );
    const predict = maybeJit((p: Params, x: Tensor) => argmax(logits(p, x), 1), options.jit);
    // Accuracy on the first n test images, in batches (one compiled program per batch shape).
    const testAccuracy = (n: number): number => {
      const parts: Tensor[] = [];
      const [, h, w] = splits.test.x.shape;
      for (let at = 0; at < n; at += EVAL_BATCH) {
        const size = Math.min(EVAL_BATCH, n - at);
        parts.push(predict(params, splits.test.x.slice([at, 0, 0], [at + size, h, w])));
      }
      return mean(concat(parts, 0).eq(splits.test.y.slice([0], [n]))).item();
    };
    const curveImages = Math.min(CURVE_IMAGES, splits.test.x.shape[0]);
    const evalEvery = Math.max(1, Math.floor(steps / 10));
    const curve: [number, number][] = [];
    const losses: number[] = [];
    const bar = progress(steps, 'irnn-pixels');
    const t0 = performance.now();
    let evalMs = 0;
    let step = 0;
    for (let epoch = 0; step < steps; epoch++) {
      for (const batch of train.epoch(epoch)) {
        if (++step > steps) break;
        const [nextParams, nextState, value] = trainOnBatch(params, state, batch.x, batch.y);
        params = nextParams;
        state = nextState;
        const l = value.item();
        losses.push(l);
        bar.update(step, { loss: l });
        if (step % evalEvery === 0 || step === steps) {
          const e0 = performance.now();
          curve.push([step, testAccuracy(curveImages)]);
          evalMs += performance.now() - e0;
        }
      }
    }
    bar.stop();
    const seconds = (performance.now() - t0 - evalMs) / 1000;
    const n = splits.test.x.shape[0];
    const accuracy = testAccuracy(n);
    const first = losses.slice(0, 10).reduce((a, b) => a + b, 0) / Math.min(10, losses.length);
    const last = losses.slice(-10).reduce((a, b) => a + b, 0) / Math.min(10, losses.length);
    const how = `${cellName} ${rows ? 'row' : 'pixel'}-by-${rows ? 'row' : 'pixel'}`;
    const plot = out.plot(
      'irnn-pixels-loss.svg',
      [{ name: 'train loss', points: losses.map((v, i) => [i + 1, v] as const) }],
      `${how}: training loss`,
      'step',
      'cross-entropy',
    );
    const accuracyPlot = out.plot(
      'irnn-pixels-accuracy.svg',
      [{ name: `test accuracy (${curveImages} images)`, points: curve }],
      `${how}: test accuracy`,
      'step',
      'accuracy',
    );
    return {
      ok: last < first,
      metrics: { firstLoss: first, lastLoss: last, accuracy, seconds },
      lines: [
        terminalChart(losses),
        `loss ${first.toFixed(3)} → ${last.toFixed(3)}; accuracy on all ${n} test images: ${(accuracy * 100).toFixed(2)}%`,
        `test accuracy during training (${curveImages} images): ${curve.map(([s, a]) => `${s}: ${(a * 100).toFixed(1)}%`).join(', ')}`,
        `${how}: ${steps} steps of batch ${batchSize}, ${splits.train.x.shape[1]} time steps each, in ${seconds.toFixed(1)} s of training (${options.jit ? 'jit' : 'eager'})`,
        `plots: ${plot}, ${accuracyPlot}`,
      ],
    };
  },
};
