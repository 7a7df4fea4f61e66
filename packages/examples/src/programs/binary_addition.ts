// SPDX-License-Identifier: MIT
// The classic RNN adder (trask's numpy tutorial, as a scan): two 8-bit numbers fed least
// significant bit first, hidden 16, sigmoid units, ½ Σ squared error, SGD with rate 0.1, one
// example per step. Backpropagation through time is grad of the scan.
import { binaryAddition as additionTask, fromBits } from '@loom/datasets';
import { sgd } from '@loom/nn';
import type { RunOptions } from '../args.js';
import {
  ADDER_BITS,
  adderEvaluationSeed,
  adderLoss,
  adderPredict,
  evaluateAdder,
  initAdder,
} from '../models/adder.js';
import { Output, terminalChart } from '../report/output.js';
import { progress } from '../report/progress.js';
import type { Program } from './program.js';
import { maybeJit, trainStep } from './train_step.js';

const WINDOW = 100;

const bitsMsbFirst = (bits: ArrayLike<number>) => Array.from(bits).reverse().join('');

export const binaryAdditionProgram: Program = {
  name: 'binary-addition',
  summary: 'RNN adder (hidden 16, SGD 0.1, batch 1): learns 8-bit addition, 100% exact sums',
  async run(options: RunOptions) {
    const steps = options.steps ?? 10_000;
    const out = new Output(options.out);
    let params = initAdder(options.seed);
    const task = additionTask({ bits: ADDER_BITS, seed: options.seed });
    const examples = task.examples();
    const optimizer = sgd(0.1);
    let state = optimizer.init(params);
    const step = trainStep(adderLoss, optimizer, options.jit);
    const predict = maybeJit(adderPredict, options.jit);
    const losses: number[] = [];
    const recentCorrect: boolean[] = [];
    let firstPerfectWindow = -1;
    const bar = progress(steps, 'binary-addition');
    const t0 = performance.now();
    for (let i = 1; i <= steps; i++) {
      const ex = examples.next().value;
      const xs = ex.inputs.reshape([1, ADDER_BITS, 2]);
      const targets = ex.targets.reshape([1, ADDER_BITS, 1]);
      // The prediction is made with the parameters before this step's update, like the loss.
      const predicted = predict(params, xs).data();
      const [nextParams, nextState, value] = step(params, state, xs, targets);
      params = nextParams;
      state = nextState;
      const l = value.item();
      losses.push(l);
      const correct = fromBits(predicted) === ex.c;
      recentCorrect.push(correct);
      if (recentCorrect.length > WINDOW) recentCorrect.shift();
      if (firstPerfectWindow < 0 && recentCorrect.length === WINDOW && recentCorrect.every(Boolean))
        firstPerfectWindow = i;
      bar.update(i, { error: l });
      if (i % 1000 === 0) {
        bar.log(
          [
            `step ${i}`,
            `  Error: ${(l * 2).toFixed(6)}`,
            `  Pred: ${bitsMsbFirst(predicted)}`,
            `  True: ${bitsMsbFirst(ex.targets.data())}`,
            `  ${ex.a} + ${ex.b} = ${fromBits(predicted)}`,
          ].join('\n'),
        );
      }
    }
    bar.stop();
    const seconds = (performance.now() - t0) / 1000;
    // Exact sums on 1000 fresh pairs from another seed: one batched forward pass.
    const { accuracy } = evaluateAdder(params, adderEvaluationSeed(options.seed), 1000);
    const smoothed = losses.map((_, i) => {
      const w = losses.slice(Math.max(0, i - 199), i + 1);
      return w.reduce((a, b) => a + b, 0) / w.length;
    });
    const plot = out.plot(
      'binary-addition-loss.svg',
      [{ name: 'loss (mean of last 200)', points: smoothed.map((v, i) => [i + 1, v] as const) }],
      'Binary addition: training loss',
      'step',
      '½ Σ squared error',
    );
    return {
      ok: accuracy === 1,
      metrics: {
        accuracy,
        steps,
        seconds,
        stepsPerSecond: steps / seconds,
        firstPerfectWindow,
        finalLoss: losses[losses.length - 1],
        meanLoss: losses.reduce((a, b) => a + b, 0) / losses.length,
      },
      lines: [
        terminalChart(smoothed),
        `exact-sum accuracy on 1000 fresh pairs: ${(accuracy * 100).toFixed(1)}%`,
        firstPerfectWindow > 0
          ? `first step with all of the last ${WINDOW} training sums exactly right: ${firstPerfectWindow}`
          : `never had ${WINDOW} consecutive training sums exactly right`,
        `${steps} steps in ${seconds.toFixed(1)} s (${(steps / seconds).toFixed(0)} steps/s, ${options.jit ? 'jit' : 'eager'})`,
        `loss plot: ${plot}`,
      ],
    };
  },
};
