// SPDX-License-Identifier: MIT
export { bernoulli, bits, key, normal, permutation, split, uniform } from './random.js';
