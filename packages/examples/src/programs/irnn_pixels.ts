// SPDX-License-Identifier: MIT
// Le, Jaitly & Hinton's IRNN: a ReLU RNN whose recurrent weights start as the identity, reading
// MNIST-format digits one pixel at a time (784 steps), trained with RMSprop and gradient clipping.
import { argmax, mean, random, type Tensor } from '@loom/core';
import { batches } from '@loom/datasets';
import { loadMnistDir } from '@loom/datasets/node';
import {
  chain,
  clipByGlobalNorm,
  irnn,
  type LinearParams,
  linear,
  type RnnParams,
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
type Params = { cell: RnnParams; out: LinearParams };

const NO_DATA = `irnn-pixels needs MNIST-format IDX files: pass --data DIR, where DIR holds
train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte
(optionally .gz). Debian's dataset-fashion-mnist package installs Fashion-MNIST in that format:
  apt-get install dataset-fashion-mnist
  pnpm example irnn-pixels --data /usr/share/datasets/fashion-mnist`;

export const irnnPixelsProgram: Program = {
  name: 'irnn-pixels',
  summary:
    'IRNN (identity-initialised ReLU RNN), RMSprop, clip 1.0, pixel-by-pixel digits from --data DIR',
  async run(options: RunOptions) {
    if (!options.data) throw new ExampleError(NO_DATA);
    const splits = await loadMnistDir(options.data, { layout: 'pixels' }).catch((e: Error) => {
      throw new ExampleError(`cannot load --data ${options.data}: ${e.message}\n\n${NO_DATA}`);
    });
    const steps = options.steps ?? 300;
    const out = new Output(options.out);
    const config = { inFeatures: 1, hiddenSize: HIDDEN };
    const [k1, k2] = random.split(random.key(options.seed));
    let params: Params = {
      cell: irnn.init(k1, config),
      out: linear.init(k2, { inFeatures: HIDDEN, outFeatures: 10 }),
    };
    const logits = (p: Params, x: Tensor) =>
      linear.apply(
        p.out,
        rnn(irnn, p.cell, x.transpose([1, 0, 2]), irnn.initialCarry(config, x.shape[0])).carry,
      );
    const loss = (p: Params, x: Tensor, y: Tensor) => sparseSoftmaxCrossEntropy(logits(p, x), y);
    // RMSprop normalises every gradient, so its first steps move each weight by about lr·√10 in
    // the gradient's sign; with 784 applications of a near-identity recurrence, a rate much
    // above 1e-5 pushes the spectral radius past 1 and the activations explode.
    const optimizer = chain(clipByGlobalNorm(1.0), rmsprop(options.lr ?? 1e-5));
    let state = optimizer.init(params);
    const trainOnBatch = trainStep(loss, optimizer, options.jit);
    const train = batches(
      { x: splits.train.x, y: splits.train.y },
      { batchSize: 16, shuffle: true, seed: options.seed },
    );
    const losses: number[] = [];
    const bar = progress(steps, 'irnn-pixels');
    const t0 = performance.now();
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
      }
    }
    bar.stop();
    const seconds = (performance.now() - t0) / 1000;
    const n = Math.min(500, splits.test.x.shape[0]);
    const testX = splits.test.x.slice([0, 0, 0], [n, 784, 1]);
    const testY = splits.test.y.slice([0], [n]);
    const predict = maybeJit((p: Params, x: Tensor) => argmax(logits(p, x), 1), options.jit);
    const accuracy = mean(predict(params, testX).eq(testY)).item();
    const first = losses.slice(0, 10).reduce((a, b) => a + b, 0) / Math.min(10, losses.length);
    const last = losses.slice(-10).reduce((a, b) => a + b, 0) / Math.min(10, losses.length);
    const plot = out.plot(
      'irnn-pixels-loss.svg',
      [{ name: 'train loss', points: losses.map((v, i) => [i + 1, v] as const) }],
      'IRNN pixel-by-pixel: training loss',
      'step',
      'cross-entropy',
    );
    return {
      ok: last < first,
      metrics: { firstLoss: first, lastLoss: last, accuracy, seconds },
      lines: [
        terminalChart(losses),
        `loss ${first.toFixed(3)} → ${last.toFixed(3)}; accuracy on ${n} test digits: ${(accuracy * 100).toFixed(1)}%`,
        `${steps} steps of 784 time steps in ${seconds.toFixed(1)} s (${options.jit ? 'jit' : 'eager'})`,
        `plot: ${plot}`,
      ],
    };
  },
};
