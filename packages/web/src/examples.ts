// SPDX-License-Identifier: MIT
// The examples the page offers and their hyperparameters: what the form shows. The models and
// training steps themselves are @loom/examples' (see sessions/).
import type { ExampleName } from './protocol.js';

/** One number the user may set before starting. */
export interface HyperParameter {
  readonly key: string;
  readonly label: string;
  readonly value: number;
  readonly min: number;
  readonly max: number;
  readonly step: number;
}

/** An example as the page describes it. */
export interface ExampleInfo {
  readonly name: ExampleName;
  readonly title: string;
  readonly summary: string;
  readonly maxSteps: number;
  readonly hyper: readonly HyperParameter[];
  /** What the accuracy chart measures (null: the example has no accuracy). */
  readonly accuracyLabel: string | null;
}

/** Every example, in the order the page lists them. */
export const EXAMPLES: readonly ExampleInfo[] = [
  {
    name: 'binary-addition',
    title: 'Binary adder',
    summary: 'An RNN learns 8-bit addition one bit at a time (SGD, one example per step).',
    maxSteps: 20_000,
    hyper: [
      { key: 'learningRate', label: 'learning rate', value: 0.1, min: 0.001, max: 2, step: 0.001 },
      { key: 'hidden', label: 'hidden units', value: 16, min: 2, max: 128, step: 1 },
    ],
    accuracyLabel: 'exact sums on 1000 fresh pairs',
  },
  {
    name: 'sine-square',
    title: 'Sine vs square',
    summary: 'A ReLU RNN tells noisy sine waves from square waves (Adam, batch 16).',
    maxSteps: 2_000,
    hyper: [
      {
        key: 'learningRate',
        label: 'learning rate',
        value: 0.005,
        min: 0.0001,
        max: 0.1,
        step: 0.0001,
      },
      { key: 'hidden', label: 'hidden units', value: 12, min: 2, max: 128, step: 1 },
    ],
    accuracyLabel: 'test accuracy (600 waves)',
  },
  {
    name: 'char-rnn',
    title: 'Character RNN',
    summary: 'An LSTM language model on a generated corpus; samples text as it learns.',
    maxSteps: 2_000,
    hyper: [
      {
        key: 'learningRate',
        label: 'learning rate',
        value: 0.002,
        min: 0.0001,
        max: 0.05,
        step: 0.0001,
      },
      { key: 'hidden', label: 'hidden units', value: 128, min: 8, max: 512, step: 8 },
    ],
    accuracyLabel: null,
  },
];

/** The example called `name` (a typo in a URL falls back to the first). */
export function exampleInfo(name: string): ExampleInfo {
  return EXAMPLES.find((e) => e.name === name) ?? EXAMPLES[0];
}

/** The defaults of an example's hyperparameters, as a config's `hyper` record. */
export function defaultHyper(info: ExampleInfo): Record<string, number> {
  return Object.fromEntries(info.hyper.map((h) => [h.key, h.value]));
}
