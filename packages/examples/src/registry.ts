// SPDX-License-Identifier: MIT
import { binaryAdditionProgram } from './programs/binary_addition.js';
import { forwardPropagation } from './programs/forward_propagation.js';
import type { Program } from './programs/program.js';

export const PROGRAMS: readonly Program[] = [forwardPropagation, binaryAdditionProgram];
