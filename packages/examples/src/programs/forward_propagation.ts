// SPDX-License-Identifier: MIT
// The numpy tutorial's two-step RNN forward pass, as a scan.
import { matmul, scan, type Tensor, tanh, tensor } from '@loom/core';
import type { Program } from './program.js';

const PUBLISHED = [
  { before: [0.95107374, 1.0254142], state: [0.74026877, 0.7720626], out: 1.71815207 },
  { before: [1.40564566, 1.55687879], state: [0.88656589, 0.91491336], out: 2.0184833 },
];

export const forwardPropagation: Program = {
  name: 'forward-propagation',
  summary: 'the published two-step numpy RNN forward pass, step by step (checked to 1e-6)',
  async run() {
    const f64 = (x: number[][]) => tensor(x, { dtype: 'float64' });
    const wState = f64([
      [0.1, 0.2],
      [0.3, 0.4],
    ]);
    const wIn = f64([[0.5, 0.6]]);
    const b = tensor([0.1, -0.1], { dtype: 'float64' });
    const wOut = f64([[0.1], [2.0]]);
    const step = (state: Tensor, x: Tensor) => {
      const before = matmul(state, wState).add(matmul(x, wIn)).add(b);
      const next = tanh(before);
      return [next, { before, state: next, out: matmul(next, wOut).add(0.1) }] as const;
    };
    // The published printout is the tutorial's loop run a second time without resetting `state`
    // (its "step 1" needs the incoming state [0.8597, 0.8837], the state after the first run), so
    // we scan X = [1, 2] twice from [0, 0] and compare the second pass with the published numbers.
    const xs = tensor([[[1]], [[2]], [[1]], [[2]]], { dtype: 'float64' });
    const [, ys] = scan(step, f64([[0, 0]]), xs);
    const before = ys.before.toArray() as number[][][];
    const state = ys.state.toArray() as number[][][];
    const out = ys.out.toArray() as number[][][];
    const lines: string[] = [];
    let worst = 0;
    for (let t = 0; t < 4; t++) {
      const pass = t < 2 ? 'first pass' : 'second pass (published)';
      lines.push(`step ${(t % 2) + 1}, ${pass}`);
      lines.push(`  before activation: [${before[t][0].map((v) => v.toFixed(8)).join(', ')}]`);
      lines.push(`  state:             [${state[t][0].map((v) => v.toFixed(8)).join(', ')}]`);
      lines.push(`  output:            ${out[t][0][0].toFixed(8)}`);
      if (t >= 2) {
        const p = PUBLISHED[t - 2];
        const diffs = [
          ...p.before.map((v, i) => v - before[t][0][i]),
          ...p.state.map((v, i) => v - state[t][0][i]),
          p.out - out[t][0][0],
        ];
        worst = Math.max(worst, ...diffs.map(Math.abs));
      }
    }
    const ok = worst < 1e-6;
    lines.push(
      `largest difference from the published numbers: ${worst.toExponential(2)} (${ok ? 'within' : 'NOT within'} 1e-6)`,
    );
    return { lines, ok, metrics: { maxAbsDiff: worst } };
  },
};
