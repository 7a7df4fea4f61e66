// SPDX-License-Identifier: MIT
export { foldIn } from './fold_in.js';
export { bernoulli, bits, key, normal, permutation, split, uniform } from './random.js';
export { type ChoiceOptions, categorical, choice, gumbel, randint } from './samplers.js';
export { truncatedNormal } from './truncated_normal.js';
