// Plain-JS reference math for the tests: no Loom operations, only numbers and arrays, so the
// library is checked against the formulas rather than against itself.

import { Tensor, tensor } from '@loom/core';
import { expect } from 'vitest';

export type Mat = number[][];
export type Vec = number[];

export const sigma = (v: number) => 1 / (1 + Math.exp(-v));
export const relu = (v: number) => Math.max(v, 0);

export const mm = (a: Mat, b: Mat): Mat =>
  a.map((row) => b[0].map((_, j) => row.reduce((s, v, k) => s + v * b[k][j], 0)));
export const map2 = (a: Mat, b: Mat, f: (x: number, y: number) => number): Mat =>
  a.map((row, i) => row.map((v, j) => f(v, b[i][j])));
export const map1 = (a: Mat, f: (x: number) => number): Mat => a.map((row) => row.map(f));
export const addRow = (a: Mat, r: Vec): Mat => a.map((row) => row.map((v, j) => v + r[j]));
export const zerosMat = (r: number, c: number): Mat =>
  Array.from({ length: r }, () => new Array(c).fill(0));

/** A deterministic pseudo-random matrix in [−scale, scale). */
export function randMat(rows: number, columns: number, seed: number, scale = 1): Mat {
  let s = seed >>> 0 || 1;
  return Array.from({ length: rows }, () =>
    Array.from({ length: columns }, () => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return ((s / 2 ** 32) * 2 - 1) * scale;
    }),
  );
}

export const f64 = (data: number[] | Mat | Mat[]): Tensor => tensor(data, { dtype: 'float64' });
export const mat = (t: Tensor): Mat => t.toArray() as Mat;
export const vec = (t: Tensor): Vec => t.toArray() as Vec;

/** Expects two nested numeric arrays (or a tensor and an array) to agree elementwise. */
export function expectClose(actual: unknown, expected: unknown, tol = 1e-10): void {
  const flat = (x: unknown): number[] => {
    if (x instanceof Tensor) return flat(x.toArray());
    if (Array.isArray(x)) return x.flatMap(flat);
    if (typeof x === 'number') return [x];
    if (typeof x === 'boolean') return [x ? 1 : 0];
    if (x !== null && typeof x === 'object') {
      const o = x as Record<string, unknown>;
      return Object.keys(o)
        .sort()
        .flatMap((k) => flat(o[k]));
    }
    throw new Error(`expectClose: cannot compare ${String(x)}`);
  };
  const fa = flat(actual);
  const fe = flat(expected);
  expect(fa.length).toBe(fe.length);
  fa.forEach((v, i) => {
    if (!(Math.abs(v - fe[i]) <= tol * Math.max(1, Math.abs(fe[i])))) {
      expect.fail(`element ${i}: got ${v}, expected ${fe[i]} (tol ${tol})`);
    }
  });
}
