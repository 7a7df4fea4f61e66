// SPDX-License-Identifier: MIT
import { binaryAdditionProgram } from './programs/binary_addition.js';
import { charRnnProgram } from './programs/char_rnn.js';
import { forwardPropagation } from './programs/forward_propagation.js';
import { irnnPixelsProgram } from './programs/irnn_pixels.js';
import type { Program } from './programs/program.js';
import { sineSquareProgram } from './programs/sine_square.js';

export const PROGRAMS: readonly Program[] = [
  forwardPropagation,
  binaryAdditionProgram,
  sineSquareProgram,
  charRnnProgram,
  irnnPixelsProgram,
];
