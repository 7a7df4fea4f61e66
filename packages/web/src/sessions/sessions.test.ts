// SPDX-License-Identifier: MIT
// Each example's session in Node: it learns (the loss falls), evaluates, reports its lowering
// with the traced step as DOT, and its checkpoint loads back into weights that evaluate the same.
import { jit, mean as meanOf } from '@loom/core';
import { charCorpus, defaultCorpus, sineSquare } from '@loom/datasets';
import { loadCheckpoint } from '@loom/nn';
import { describe, expect, test } from 'vitest';
import {
  adderEvaluationSeed,
  evaluateAdder,
  initAdder,
} from '../../../examples/src/models/adder.js';
import { charModel } from '../../../examples/src/models/char_rnn.js';
import { evaluateWaves, initWaves } from '../../../examples/src/models/sine_square.js';
import type { TrainConfig } from '../protocol.js';
import { createSession, type Session } from './index.js';

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function train(config: TrainConfig, steps: number): { session: Session; losses: number[] } {
  const session = createSession(config);
  const losses = Array.from({ length: steps }, () => session.step());
  return { session, losses };
}

function expectLowering(session: Session): void {
  const lowering = session.lowering();
  expect(['wasm', 'js']).toContain(lowering.backend);
  expect(lowering.backendReason.length).toBeGreaterThan(0);
  expect(lowering.dot).toMatch(/^digraph/);
  expect(lowering.dot).toContain('scan');
}

describe('training sessions', () => {
  test('binary-addition: loss falls, sums agree with a + b, checkpoint round-trips', () => {
    const config: TrainConfig = {
      example: 'binary-addition',
      seed: 3,
      maxSteps: 3000,
      hyper: { hidden: 12, learningRate: 0.1 },
    };
    const { session, losses } = train(config, 3000);
    expect(mean(losses.slice(-200))).toBeLessThan(mean(losses.slice(0, 200)) * 0.9);
    const { accuracy, samples } = session.evaluate();
    expect(samples.length).toBeGreaterThan(0);
    for (const line of samples) {
      const [, a, b, said, mark] = line.match(/^(\d+) \+ (\d+) = (\d+) (✓|✗)/) ?? [];
      expect(mark === '✓').toBe(Number(a) + Number(b) === Number(said));
    }
    expectLowering(session);
    // Loaded into a fresh tree of the configured shape, the weights answer as the session's did.
    const loaded = loadCheckpoint(session.checkpoint(), initAdder(0, 12));
    expect(loaded.U.shape).toEqual([12, 12]);
    expect(evaluateAdder(loaded, adderEvaluationSeed(3)).accuracy).toBe(accuracy);
  }, 120_000);

  test('sine-square: loss falls, accuracy matches an evaluation of the checkpoint', () => {
    const config: TrainConfig = { example: 'sine-square', seed: 1, maxSteps: 60, hyper: {} };
    const { session, losses } = train(config, 60);
    expect(mean(losses.slice(-10))).toBeLessThan(mean(losses.slice(0, 10)));
    const { accuracy, samples } = session.evaluate();
    expect(samples).toHaveLength(4);
    for (const line of samples)
      expect(line).toMatch(/^test wave \d: (sine|square) (✓|✗ \((sine|square)\))$/);
    expectLowering(session);
    const loaded = loadCheckpoint(session.checkpoint(), initWaves(0));
    const test = sineSquare({ seed: 1 }).test;
    const { predicted } = jit(evaluateWaves)(loaded, test.x, test.yOneHot);
    expect(meanOf(predicted.eq(test.y)).item()).toBe(accuracy);
  }, 120_000);

  test('char-rnn: loss falls, samples come from the vocabulary, checkpoint round-trips', () => {
    const config: TrainConfig = {
      example: 'char-rnn',
      seed: 2,
      maxSteps: 30,
      hyper: { hidden: 32, learningRate: 0.01 },
    };
    const { session, losses } = train(config, 30);
    expect(mean(losses.slice(-5))).toBeLessThan(mean(losses.slice(0, 5)));
    const { accuracy, samples } = session.evaluate();
    expect(accuracy).toBeNull();
    const corpus = charCorpus(defaultCorpus({ seed: 2 }));
    expect(Array.from(samples[0])).toHaveLength(80);
    for (const ch of samples[0]) expect(corpus.vocab).toContain(ch);
    expectLowering(session);
    const model = charModel(corpus, { hidden: 32 });
    const windows = corpus.windows({ batchSize: 4, seqLen: 16, seed: 9 });
    const trained = loadCheckpoint(session.checkpoint(), model.init(0));
    // The trained weights predict held-out windows better than fresh ones.
    expect(model.loss(trained, windows).item()).toBeLessThan(
      model.loss(model.init(2), windows).item(),
    );
  }, 120_000);
});
