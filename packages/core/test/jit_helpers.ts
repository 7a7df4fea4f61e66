// Shared helpers for the jit conformance suites (jit_*.test.ts): `jit(f)` must equal `f` in
// structure, shape, dtype and values, must never write into its inputs, and must not hand out
// buffers that a later call overwrites. These checks are what a compiled jit (buffer reuse,
// in-place updates, fusion) can get wrong while an interpreter cannot.
import { fc } from '@fast-check/vitest';
import { type DType, jit, Tensor, tensor, tree } from '@loom/core';
import { expect } from 'vitest';
import type { TensorCase } from './arbitraries.js';

export interface Tol {
  rtol: number;
  atol: number;
}

/**
 * Per-dtype tolerances. A compiler may fuse float32 chains without rounding every intermediate
 * and may reorder sums, so float32 gets a few ulps of slack and float64 allows reassociation;
 * integers and bools must match exactly.
 */
export const TOL: Record<DType, Tol> = {
  float32: { rtol: 1e-5, atol: 1e-6 },
  float64: { rtol: 1e-12, atol: 1e-12 },
  int32: { rtol: 0, atol: 0 },
  bool: { rtol: 0, atol: 0 },
};

export const floatDtypeArb: fc.Arbitrary<'float32' | 'float64'> = fc.constantFrom(
  'float32',
  'float64',
);

/** A tensor of `dtype` from a case (values cast the way `tensor` casts them). */
export function tensorOf(c: TensorCase, dtype: DType): Tensor {
  return tensor(c.data, { shape: c.shape, dtype });
}

/**
 * Values agree up to `tol`, measured against the tensor's largest magnitude as well as each
 * element's: a reordered reduction is exact to rounding of its terms, not of a cancelled result.
 * Genuine compiler bugs (wrong index, clobbered buffer) are off by O(1), far outside this.
 */
function expectValuesClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: Tol,
  at: string,
) {
  expect(actual.length, `${at}: size`).toBe(expected.length);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = Math.abs(Number(expected[i]));
    if (Number.isFinite(e)) scale = Math.max(scale, e);
  }
  for (let i = 0; i < expected.length; i++) {
    const a = Number(actual[i]);
    const e = Number(expected[i]);
    const ok =
      Object.is(a, e) ||
      (Number.isNaN(a) && Number.isNaN(e)) ||
      (Number.isFinite(e) && Math.abs(a - e) <= tol.atol + tol.rtol * Math.max(Math.abs(e), scale));
    if (!ok) {
      expect.fail(
        `${at}: element ${i} is ${a}, expected ${e} (rtol ${tol.rtol}, atol ${tol.atol}); ` +
          `got [${Array.from(actual).slice(0, 12).join(', ')}], ` +
          `expected [${Array.from(expected).slice(0, 12).join(', ')}]`,
      );
    }
  }
}

/** Same shape, dtype and values (dtype-dependent tolerance unless `tol` overrides it). */
export function expectSameTensor(actual: Tensor, expected: Tensor, tol?: Tol, at = 'output'): void {
  expect([...actual.shape], `${at}: shape`).toEqual([...expected.shape]);
  expect(actual.dtype, `${at}: dtype`).toBe(expected.dtype);
  const a = actual.data();
  const e = expected.data();
  // The typed array behind the tensor must match its dtype (a float32 tensor on a Float64Array
  // would silently skip float32 rounding in every later eager op).
  expect(a.constructor.name, `${at}: storage`).toBe(e.constructor.name);
  expectValuesClose(a, e, tol ?? TOL[expected.dtype], at);
}

/** Same tree structure and, leaf by leaf, the same tensors. */
export function expectSameTree(actual: unknown, expected: unknown, tol?: Tol, at = 'output'): void {
  const [al, adef] = tree.flatten<unknown>(actual);
  const [el, edef] = tree.flatten<unknown>(expected);
  expect(adef.key, `${at}: tree structure`).toBe(edef.key);
  const paths = tree.keyPaths(expected);
  el.forEach((e, i) => {
    expectSameTensor(al[i] as Tensor, e as Tensor, tol, `${at} ${paths[i]}`);
  });
}

interface Snapshot {
  shape: number[];
  dtype: DType;
  data: number[];
}

/** A deep copy of every tensor leaf (to detect later writes into the buffers behind them). */
export function snapshot(t: unknown): Snapshot[] {
  return tree
    .leaves<unknown>(t)
    .filter((l): l is Tensor => l instanceof Tensor)
    .map((l) => ({ shape: [...l.shape], dtype: l.dtype, data: Array.from(l.data()) }));
}

/** Every tensor leaf still holds exactly the snapshotted values (bitwise, NaN included). */
export function expectUnchanged(t: unknown, before: Snapshot[], what: string): void {
  const now = snapshot(t);
  expect(now.length, `${what}: leaf count`).toBe(before.length);
  now.forEach((s, i) => {
    expect(s.shape, `${what} leaf ${i}: shape`).toEqual(before[i].shape);
    expect(s.dtype, `${what} leaf ${i}: dtype`).toBe(before[i].dtype);
    s.data.forEach((v, j) => {
      if (!Object.is(v, before[i].data[j])) {
        expect.fail(
          `${what} leaf ${i} was written: element ${j} is ${v}, was ${before[i].data[j]}`,
        );
      }
    });
  });
}

export interface JitCheckOptions {
  tol?: Tol;
  /** Extra values (e.g. closed-over constants) that the calls must not write into. */
  untouched?: unknown;
}

/**
 * Asserts `jit(f)(...args)` equals `f(...args)` on the first (tracing) call and on a second
 * (cached) call; that neither call writes into the arguments or `untouched`; and that the second
 * call leaves the first call's results intact. Returns the jitted result.
 */
export function expectJitMatches<A extends unknown[], R>(
  f: (...args: A) => R,
  args: A,
  options: JitCheckOptions = {},
): R {
  const inputs = snapshot(args);
  const consts = snapshot(options.untouched);
  const eager = f(...args);
  const jf = jit(f);
  const first = jf(...args);
  expectSameTree(first, eager, options.tol, 'first jit call');
  expectUnchanged(args, inputs, 'arguments after the first jit call');
  const firstValues = snapshot(first);
  const second = jf(...args);
  expectSameTree(second, eager, options.tol, 'second jit call');
  expectUnchanged(first, firstValues, 'first call results after the second call');
  expectUnchanged(args, inputs, 'arguments after the second jit call');
  expectUnchanged(options.untouched, consts, 'closed-over constants');
  return first;
}

/** A deterministic pseudo-random float64 tensor with entries in [−scale, scale). */
export function randomTensor(shape: number[], seed: number, scale = 0.5): Tensor {
  let s = seed >>> 0;
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = (s / 2 ** 32 - 0.5) * 2 * scale;
  }
  return tensor(data, { shape });
}
