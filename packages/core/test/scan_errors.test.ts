// Bad input to scan: each error names the path and both types.

import {
  DtypeError,
  InvalidArgumentError,
  makeJaxpr,
  ShapeError,
  scan,
  sum,
  type Tensor,
  TreeStructureError,
  tensor,
  zeros,
} from '@loom/core';
import { describe, expect, test } from 'vitest';

const xs = zeros([5, 3]);

describe('scan errors', () => {
  test('the body changes the structure of the carry', () => {
    const run = () =>
      scan(
        (c: { h: Tensor }, x: Tensor) =>
          [{ h: c.h.add(x), extra: x } as { h: Tensor }, null] as const,
        { h: zeros([3]) },
        xs,
      );
    expect(run).toThrow(TreeStructureError);
    expect(run).toThrow(/changed the structure of the carry[\s\S]*only in the second: \[extra\]/);
  });
  test('the body changes the shape of a carry leaf (path and both types named)', () => {
    const run = () =>
      scan(
        (c: { h: Tensor }, x: Tensor) => [{ h: sum(c.h.add(x)) }, null] as const,
        { h: zeros([3]) },
        xs,
      );
    expect(run).toThrow(ShapeError);
    expect(run).toThrow(/carry at \.h enters the body as f32\[3\] but comes out as f32\[\]/);
  });
  test('the body changes the dtype of a carry leaf', () => {
    const run = () =>
      scan((c: Tensor, x: Tensor) => [c.add(x).astype('float64'), null] as const, zeros([3]), xs);
    expect(run).toThrow(DtypeError);
    expect(run).toThrow(/enters the body as f32\[3\] but comes out as f64\[3\]/);
  });
  test('leading dimensions of xs differ', () => {
    const run = () =>
      scan((c: Tensor, x: { a: Tensor; b: Tensor }) => [c, x.a] as const, zeros([3]), {
        a: zeros([5, 3]),
        b: zeros([4, 3]),
      });
    expect(run).toThrow(ShapeError);
    expect(run).toThrow(
      /leading axes of xs differ \(xs at \.a: f32\[5,3\], xs at \.b: f32\[4,3\]\)/,
    );
  });
  test('length disagrees with xs', () => {
    expect(() =>
      scan((c: Tensor, x: Tensor) => [c, x] as const, zeros([3]), xs, { length: 4 }),
    ).toThrow(/length 4 disagrees with the leading axis of xs, 5/);
  });
  test('no xs and no length', () => {
    expect(() => scan((c: Tensor) => [c, null] as const, zeros([3]), null)).toThrow(
      InvalidArgumentError,
    );
    expect(() => scan((c: Tensor) => [c, null] as const, zeros([3]), null)).toThrow(
      /pass \{ length \}/,
    );
  });
  test('the body does not return a pair', () => {
    const bad = ((c: Tensor) => c) as unknown as (
      c: Tensor,
      x: Tensor,
    ) => readonly [Tensor, Tensor];
    expect(() => scan(bad, zeros([3]), xs)).toThrow(/must return a pair \[newCarry, y\]/);
  });
  test('a bad unroll', () => {
    expect(() =>
      scan((c: Tensor, x: Tensor) => [c, x] as const, zeros([3]), xs, { unroll: 0 }),
    ).toThrow(/unroll must be a positive integer/);
  });
});

describe('scan in the IR', () => {
  test('prints its body nested, and draws it as a cluster', () => {
    const prog = makeJaxpr((w: Tensor) =>
      scan((c: Tensor, x: Tensor) => [c.mul(w).add(x), c] as const, zeros([3]), xs),
    )(tensor([1, 2, 3]));
    const text = prog.toString();
    expect(text).toMatch(/= scan\[/);
    expect(text).toMatch(/body=\{ lambda/);
    const dot = prog.toDot();
    expect(dot).toMatch(/subgraph cluster_\d+ \{/);
    expect(dot).toMatch(/label="scan body"/);
  });
});
