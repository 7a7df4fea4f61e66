// SPDX-License-Identifier: MIT
// The computational-graph tutorial's task: tell noisy sine from square waves with a ReLU RNN
// (hidden 12) read out by dense 12→6 ReLU and 6→2, softmax cross-entropy, Adam 0.005, batch 16.
import { makeJaxpr, mean } from '@loom/core';
import { batches, sineSquare } from '@loom/datasets';
import { adam } from '@loom/nn';
import type { RunOptions } from '../args.js';
import { evaluateWaves, initWaves, waveLoss } from '../models/sine_square.js';
import { Output, terminalChart } from '../report/output.js';
import { progress } from '../report/progress.js';
import type { Program } from './program.js';
import { maybeJit, trainStep } from './train_step.js';

export const sineSquareProgram: Program = {
  name: 'sine-square',
  summary:
    'ReLU RNN tells noisy sine from square waves (Adam 0.005, 10 epochs): ≥ 99% test accuracy',
  async run(options: RunOptions) {
    const epochs = options.epochs ?? 10;
    const out = new Output(options.out);
    const data = sineSquare({ seed: options.seed });
    let params = initWaves(options.seed);
    const optimizer = adam(0.005);
    let state = optimizer.init(params);
    const train = batches(
      { x: data.train.x, y: data.train.yOneHot },
      { batchSize: 16, shuffle: true, seed: options.seed },
    );
    const step = trainStep(waveLoss, optimizer, options.jit);
    const evaluate = maybeJit(evaluateWaves, options.jit);
    const history: { epoch: number; loss: number; accuracy: number }[] = [];
    const trainLosses: number[] = [];
    const total = epochs * train.batchesPerEpoch;
    const bar = progress(total, 'sine-square');
    let iteration = 0;
    const t0 = performance.now();
    for (let epoch = 1; epoch <= epochs; epoch++) {
      for (const batch of train.epoch(epoch - 1)) {
        const [nextParams, nextState, value] = step(params, state, batch.x, batch.y);
        params = nextParams;
        state = nextState;
        iteration++;
        const l = value.item();
        trainLosses.push(l);
        bar.update(iteration, { loss: l });
      }
      const test = evaluate(params, data.test.x, data.test.yOneHot);
      const testLoss = test.loss.item();
      const accuracy = mean(test.predicted.eq(data.test.y)).item();
      history.push({ epoch, loss: testLoss, accuracy });
      bar.log(
        `epoch: ${epoch}, iteration: ${iteration}, test loss: ${testLoss.toFixed(4)}, test accuracy: ${(accuracy * 100).toFixed(2)}%`,
      );
    }
    bar.stop();
    const seconds = (performance.now() - t0) / 1000;
    const final = history[history.length - 1];
    const trainSize = data.train.x.shape[0];
    // The model's computation graph, as the tutorial's draw() does: the traced loss, with the
    // scan's body drawn as a cluster.
    const program = makeJaxpr(waveLoss)(
      params,
      data.test.x.take([0, 1], 0),
      data.test.yOneHot.take([0, 1], 0),
    );
    const graphFiles = await out.graph('sine-square-graph', program.toDot('sine vs square: loss'));
    const plots = [
      out.plot(
        'sine-square-loss.svg',
        [
          { name: 'train loss', points: trainLosses.map((v, i) => [i + 1, v] as const) },
          {
            name: 'test loss (per epoch)',
            points: history.map((h) => [h.epoch * train.batchesPerEpoch, h.loss] as const),
          },
        ],
        'Sine vs square: loss',
        'iteration',
        'cross-entropy',
      ),
      out.plot(
        'sine-square-accuracy.svg',
        [{ name: 'test accuracy', points: history.map((h) => [h.epoch, h.accuracy] as const) }],
        'Sine vs square: test accuracy',
        'epoch',
        'accuracy',
      ),
    ];
    return {
      ok: final.accuracy >= 0.99,
      metrics: {
        accuracy: final.accuracy,
        testLoss: final.loss,
        seconds,
        samplesPerSecond: (epochs * trainSize) / seconds,
      },
      lines: [
        terminalChart(trainLosses),
        `test accuracy after ${epochs} epochs: ${(final.accuracy * 100).toFixed(2)}% (the tutorial reports 99%)`,
        `${iteration} iterations in ${seconds.toFixed(1)} s (${((epochs * trainSize) / seconds).toFixed(0)} samples/s, ${options.jit ? 'jit' : 'eager'})`,
        `graph: ${graphFiles.join(', ')}`,
        `plots: ${plots.join(', ')}`,
      ],
    };
  },
};
