// SPDX-License-Identifier: MIT
// The fixture program's values computed by hand in float64 (plain loops, no Loom), and a check of
// a run's results against them.
import { expect } from 'vitest';
import { B, LEARNING_RATE, type ProgramResults, W, X, XS } from './fixtures/program.js';

const matmul = (a: number[][], b: number[][]) =>
  a.map((row) => b[0].map((_, j) => row.reduce((s, v, k) => s + v * b[k][j], 0)));

export function expectedValues() {
  const xw = matmul(X, W);
  const y = xw.map((row) => row.map((v, j) => v + B[j]));
  const n = y.length * y[0].length;
  const dy = y.map((row) => row.map((v) => (2 * v) / n));
  const xt = X[0].map((_, k) => X.map((row) => row[k]));
  const gradW = matmul(xt, dy);
  const gradB = B.map((_, j) => dy.reduce((s, row) => s + row[j], 0));
  const stepW = W.map((row, i) => row.map((v, j) => v - LEARNING_RATE * gradW[i][j]));
  let sum = 0;
  const scanYs = XS.map((v) => {
    sum += v;
    return 2 * sum;
  });
  const jitValue = xw.flat().reduce((s, v) => s + Math.tanh(v), 0);
  return { linearOut: y, gradW, gradB, stepW, scanCarry: sum, scanYs, jitValue };
}

function expectClose(actual: unknown, expected: number | number[] | number[][], what: string) {
  const a = [actual].flat(2) as number[];
  const e = [expected].flat(2);
  expect(a.length, what).toBe(e.length);
  a.forEach((v, i) => {
    expect(Math.abs(v - e[i]), `${what}[${i}]: ${v} vs ${e[i]}`).toBeLessThan(
      1e-5 * (1 + Math.abs(e[i])),
    );
  });
}

/** Checks every number of a run against the hand-computed values. */
export function expectCorrectNumbers(r: ProgramResults): void {
  const e = expectedValues();
  expectClose(r.linearOut, e.linearOut, 'linear.apply');
  expectClose(r.gradW, e.gradW, 'grad w');
  expectClose(r.gradB, e.gradB, 'grad b');
  expectClose(r.stepW, e.stepW, 'sgd step');
  expectClose(r.scanCarry, e.scanCarry, 'scan carry');
  expectClose(r.scanYs, e.scanYs, 'scan outputs');
  expectClose(r.jitValue, e.jitValue, 'jit');
  expect(r.initShape).toEqual([3, 2]);
  expect(r.initFinite).toBe(true);
  expect(r.additionPairs.length).toBe(3);
  const bits = r.additionTargetBits as number[][][];
  r.additionPairs.forEach(({ a, b, c }, i) => {
    expect(a + b).toBe(c);
    // targets[i, t, 0] is bit t of c, least significant first.
    expect(bits[i].reduce((s, [bit], t) => s + bit * 2 ** t, 0)).toBe(c);
  });
}
