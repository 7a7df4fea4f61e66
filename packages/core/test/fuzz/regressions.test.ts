// Minimal repros of bugs the fuzzer found, kept as plain tests so they fail fast and read clearly.
import { add, jit, mul, scalar, scan, sin, type Tensor } from '@loom/core';
import { describe, test } from 'vitest';
import { expectSameTree } from '../jit_helpers.js';

describe('fuzz regressions', () => {
  // jit traced inside a scan body captured the carry (a tracer) as a constant; the compiled
  // program then treated that constant as fixed and crashed reading its (missing) buffer
  // (TypeError in compile/program.ts splat) when the scan ran eagerly.
  test('a jit inside a scan body that closes over the carry matches the same scan without jit', () => {
    const x = scalar(0.5, 'float64');
    const step = (inner: (f: (a: Tensor) => Tensor) => (a: Tensor) => Tensor) => (c: Tensor) => {
      const y = inner((a) => add(sin(a), c))(x);
      return [mul(c, 1.5), y] as const;
    };
    const expected = scan(
      step((f) => f),
      x,
      null,
      { length: 3 },
    );
    expectSameTree(scan(step(jit), x, null, { length: 3 }), expected);
    expectSameTree(jit(() => scan(step(jit), x, null, { length: 3 }))(), expected);
  });
});
