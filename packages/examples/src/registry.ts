// SPDX-License-Identifier: MIT
// Every example the CLI knows, with the flags it accepts: a flag an example would ignore is an
// error, and the defaults below are the values the CLI passes, so `--help` cannot disagree.
import type { ExampleSpec } from './args.js';
import { binaryAdditionProgram } from './programs/binary_addition.js';
import { CHAR_RNN_TEMPERATURE, charRnnProgram } from './programs/char_rnn.js';
import { forwardPropagation } from './programs/forward_propagation.js';
import { irnnPixelsProgram } from './programs/irnn_pixels.js';
import type { Program } from './programs/program.js';
import { seq2seqDatesProgram } from './programs/seq2seq_dates.js';
import { sineSquareProgram } from './programs/sine_square.js';

/** A program and its command-line schema. */
export interface Example extends ExampleSpec {
  program: Program;
}

const example = (program: Program, spec: Omit<ExampleSpec, 'name' | 'summary'>): Example => ({
  name: program.name,
  summary: program.summary,
  program,
  ...spec,
});

export const EXAMPLES: readonly Example[] = [
  example(forwardPropagation, { flags: [], defaults: {} }),
  example(binaryAdditionProgram, {
    flags: ['steps', 'seed', 'out', 'no-jit'],
    defaults: { steps: 10_000, seed: 0, out: 'out' },
  }),
  example(sineSquareProgram, {
    flags: ['epochs', 'seed', 'out', 'no-jit'],
    defaults: { epochs: 10, seed: 0, out: 'out' },
  }),
  example(charRnnProgram, {
    flags: ['steps', 'seed', 'cell', 'text', 'temperature', 'out', 'no-jit'],
    defaults: { steps: 300, seed: 0, cell: 'lstm', out: 'out' },
    notes: {
      text:
        'train on this UTF-8 text file instead of the generated corpus; its last 10% is held ' +
        'out to measure perplexity (empty, binary and non-UTF-8 files are refused)',
      temperature: `sampling temperature, > 0 (default ${CHAR_RNN_TEMPERATURE}); lower is safer and more repetitive`,
    },
  }),
  example(irnnPixelsProgram, {
    flags: ['data', 'steps', 'lr', 'cell', 'rows', 'seed', 'out', 'no-jit'],
    defaults: { steps: 300, seed: 0, cell: 'rnn', out: 'out' },
    notes: {
      data: 'folder of MNIST-format IDX files (required; e.g. /usr/share/datasets/fashion-mnist)',
      lr: 'learning rate (default 2e-3 for lstm/gru, 1e-4 for the IRNN with --rows, 1e-5 for the IRNN)',
      cell: 'recurrent cell: rnn is the IRNN (identity-initialised ReLU), lstm and gru use Adam',
    },
  }),
  example(seq2seqDatesProgram, {
    flags: ['steps', 'lr', 'cell', 'seed', 'out', 'no-jit'],
    defaults: { steps: 1000, seed: 0, cell: 'gru', out: 'out' },
    notes: {
      lr: 'Adam learning rate (default 3e-3)',
      cell: 'recurrent cell of the encoder and decoder: gru or lstm',
    },
  }),
];

/** The programs alone, in the order the CLI lists them. */
export const PROGRAMS: readonly Program[] = EXAMPLES.map((e) => e.program);
