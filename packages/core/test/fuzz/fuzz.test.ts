// The random-program fuzzer (issue 13, item 3). Each property draws whole programs — every
// primitive family, pytree carries, scan/cond/whileLoop/foriLoop/checkpoint/jit/vmap nested two
// deep — and checks one transformation against an independent reference. The seed is the global
// pinned one (FC_SEED, default 42); FUZZ_RUNS sets the programs per property. A failure prints
// fast-check's seed and path and the shrunk program as pseudo-code (see program.ts).
import { test } from '@fast-check/vitest';
import { checkGrads, grad, jit, reshape, slice, stack, type Tensor, vmap } from '@loom/core';
import { describe } from 'vitest';
import { expectJitMatches, expectSameTree, TOL } from '../jit_helpers.js';
import { batchedInputs, programFn, programInputs, programLoss } from './interpret.js';
import type { Program } from './program.js';
import { programArb } from './program_arbitrary.js';

/** Programs per property: FUZZ_RUNS, else `base` (the CI share, sized to the 60 s budget). */
const runs = (base: number) => ({ numRuns: Number(process.env.FUZZ_RUNS ?? base) });
/** Per-test timeout that grows with FUZZ_RUNS (a program takes well under 100 ms). */
const TIMEOUT = Math.max(60_000, Number(process.env.FUZZ_RUNS ?? 0) * 200);

const all64 = programArb({ dtype: 'float64', smooth: false, allowWhile: true });
const all32 = programArb({ dtype: 'float32', smooth: false, allowWhile: true });
const smooth64 = programArb({ dtype: 'float64', smooth: true, allowWhile: true });
const smoothReverse64 = programArb({ dtype: 'float64', smooth: true, allowWhile: false });
const reverse64 = programArb({ dtype: 'float64', smooth: false, allowWhile: false });

const BATCH = 3;

/** Example i of every input (slice i of the leading axis). */
const example = (batched: readonly Tensor[], i: number) =>
  batched.map((x) =>
    reshape(
      slice(
        x,
        x.shape.map((_, k) => (k === 0 ? i : 0)),
        x.shape.map((d, k) => (k === 0 ? i + 1 : d)),
      ),
      x.shape.slice(1),
    ),
  );

/** f applied to each example, results stacked leaf by leaf. */
function stackResults(f: (...xs: Tensor[]) => Tensor[], batched: readonly Tensor[]): Tensor[] {
  const perExample = Array.from({ length: BATCH }, (_, i) => f(...example(batched, i)));
  return perExample[0].map((_, k) => stack(perExample.map((r) => r[k])));
}

describe('fuzz: jit equals eager', () => {
  test.prop([all64], runs(400))(
    'float64 programs (rtol 1e-12)',
    (p) => {
      expectJitMatches(programFn(p), programInputs(p));
    },
    TIMEOUT,
  );

  test.prop([all32], runs(200))(
    'float32 programs (rtol 1e-5)',
    (p) => {
      expectJitMatches(programFn(p), programInputs(p), { tol: TOL.float32 });
    },
    TIMEOUT,
  );
});

describe('fuzz: the jit backends agree', () => {
  // Each program runs eagerly and under jit forced to each code generator (a program wasm cannot
  // express falls back to JavaScript; lower().backendReason says so).
  const backends = (p: Program) => {
    const f = programFn(p);
    const inputs = programInputs(p);
    const eager = f(...inputs);
    const js = jit(f, { backend: 'js' })(...inputs);
    const wasm = jit(f, { backend: 'wasm' })(...inputs);
    expectSameTree(js, eager, undefined, "jit(f, { backend: 'js' })");
    expectSameTree(wasm, eager, undefined, "jit(f, { backend: 'wasm' })");
    expectSameTree(wasm, js, undefined, 'wasm against js');
  };
  test.prop([all64], runs(150))('js == wasm == eager on float64 programs', backends, TIMEOUT);
  test.prop([all32], runs(100))('js == wasm == eager on float32 programs', backends, TIMEOUT);
});

describe('fuzz: derivatives equal central finite differences (float64)', () => {
  test.prop([smooth64], runs(200))(
    'jvp (and vjp when no whileLoop) of smooth programs',
    (p) => {
      const modes: ('fwd' | 'rev')[] = p.hasWhile ? ['fwd'] : ['fwd', 'rev'];
      checkGrads(programFn(p), programInputs(p, false), { modes, seed: p.dataSeed });
    },
    TIMEOUT,
  );

  test.prop([smoothReverse64], runs(40))(
    'second derivatives (checkGrads order 2: jvp of jvp, vjp of vjp)',
    (p) => {
      checkGrads(programFn(p), programInputs(p, false), { order: 2, seed: p.dataSeed });
    },
    TIMEOUT,
  );

  test.prop([smoothReverse64], runs(100))(
    'jvp and vjp of the jitted program',
    (p) => {
      checkGrads(jit(programFn(p)), programInputs(p, false), { seed: p.dataSeed });
    },
    TIMEOUT,
  );
});

describe('fuzz: transformations commute', () => {
  test.prop([reverse64], runs(150))(
    'grad(jit(f)) == jit(grad(f)) == grad(f)',
    (p) => {
      const loss = programLoss(p);
      const argnums = p.inputs.map((_, k) => k);
      const inputs = programInputs(p);
      const eager = grad(loss, { argnums })(...inputs);
      expectSameTree(grad(jit(loss), { argnums })(...inputs), eager, undefined, 'grad(jit(f))');
      expectSameTree(jit(grad(loss, { argnums }))(...inputs), eager, undefined, 'jit(grad(f))');
    },
    TIMEOUT,
  );

  test.prop([all64], runs(200))(
    'vmap(f) == stacking f per example',
    (p) => {
      const f = programFn(p);
      const batched = batchedInputs(p, BATCH);
      const expected = stackResults(f, batched);
      expectSameTree(vmap(f)(...batched), expected, undefined, 'vmap(f)');
    },
    TIMEOUT,
  );

  test.prop([reverse64], runs(100))(
    'vmap(grad(f)) == stacking per-example gradients',
    (p) => {
      const g = grad(programLoss(p), { argnums: p.inputs.map((_, k) => k) });
      const batched = batchedInputs(p, BATCH);
      const expected = stackResults(g, batched);
      expectSameTree(vmap(g)(...batched), expected, undefined, 'vmap(grad(f))');
    },
    TIMEOUT,
  );
});
