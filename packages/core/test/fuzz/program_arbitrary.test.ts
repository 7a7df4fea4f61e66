// The generator itself: programs are well-typed (the interpreter's shapes equal the static
// shapes), the CI sample reaches every op and control-flow kind, and a failing property shrinks
// to a short program that is printed readably with fast-check's seed.
import { fc } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';
import { programFn, programInputs } from './interpret.js';
import {
  BINARY_OPS,
  type Block,
  COMPARISONS,
  LOGICAL_OPS,
  PREDICATES,
  type Program,
  type Stmt,
  UNARY_OPS,
} from './program.js';
import { programArb } from './program_arbitrary.js';

const options = { dtype: 'float64', smooth: false, allowWhile: true } as const;

/** Every statement of a program, nested bodies included (iteratively). */
function statements(p: Program): Stmt[] {
  const out: Stmt[] = [];
  const stack: Block[] = [p.body];
  for (let b = stack.pop(); b !== undefined; b = stack.pop()) {
    for (const s of b.stmts) {
      out.push(s);
      if ('body' in s) stack.push(s.body);
      if (s.kind === 'cond') stack.push(s.onTrue, s.onFalse);
      if (s.kind === 'switch') stack.push(...s.branches);
    }
  }
  return out;
}

const label = (s: Stmt) =>
  s.kind === 'unary' ||
  s.kind === 'binary' ||
  s.kind === 'axis' ||
  s.kind === 'reduce' ||
  s.kind === 'predicate' ||
  s.kind === 'logical'
    ? `${s.kind}:${s.op}`
    : s.kind === 'where'
      ? `where:${s.cmp}`
      : s.kind;

describe('fuzz program generator', () => {
  const sample = fc.sample(programArb(options), { numRuns: 400, seed: 42 });

  test('the CI sample reaches every op, comparison and control-flow kind', () => {
    const seen = new Set(sample.flatMap((p) => statements(p).map(label)));
    const expected = [
      ...UNARY_OPS.map((op) => `unary:${op}`),
      ...BINARY_OPS.map((op) => `binary:${op}`),
      ...COMPARISONS.map((c) => `where:${c}`),
      ...['sum', 'mean', 'max', 'min'].map((op) => `reduce:${op}`),
      ...['softmax', 'logSoftmax', 'logSumExp', 'argmaxOneHot', 'argminOneHot', 'argsort'].map(
        (op) => `axis:${op}`,
      ),
      ...['integerPow', 'matmul', 'dotGeneral', 'reshape', 'transpose', 'slice', 'concat'],
      ...['broadcast', 'take', 'scatterAdd', 'iotaAdd', 'constant'],
      ...PREDICATES.map((op) => `predicate:${op}`),
      ...LOGICAL_OPS.map((op) => `logical:${op}`),
      ...['flip', 'dynamicSlice', 'dynamicUpdateSlice'],
      ...['scan', 'cond', 'while', 'fori', 'checkpoint', 'jit', 'vmap', 'switch'],
    ];
    expect(expected.filter((k) => !seen.has(k))).toEqual([]);
    // Nesting: some control flow inside control flow.
    const nested = sample.filter((p) =>
      p.body.stmts.some((s) => 'body' in s && s.body.stmts.some((t) => 'body' in t)),
    );
    expect(nested.length).toBeGreaterThan(10);
  });

  test('every program runs and its results have the statically resolved shapes', () => {
    for (const p of sample.slice(0, 150)) {
      const results = programFn(p)(...programInputs(p));
      expect(results.map((r) => [...r.shape])).toEqual(p.body.results.map((id) => p.shapes[id]));
      for (const r of results) expect(r.dtype).toBe('float64');
    }
  });

  test('smooth programs use no kinked, rounding or gradient-stopping op', () => {
    const smooth = fc.sample(programArb({ ...options, smooth: true }), { numRuns: 200, seed: 7 });
    const banned =
      /^(unary:(abs|logAbs|sign|relu|stopGradient|roundTrip|floor|ceil|round|trunc)|binary:(maximum|minimum)|reduce:(max|min)|axis:arg.*|where:.*|predicate:.*|logical:.*)$/;
    const labels = smooth.flatMap((p) => statements(p).map(label));
    expect(labels.filter((l) => banned.test(l))).toEqual([]);
    const reverse = fc.sample(programArb({ ...options, allowWhile: false }), { numRuns: 200 });
    expect(reverse.filter((p) => p.hasWhile)).toEqual([]);
  });

  test('a failure shrinks to a one-statement program, printed with the seed', () => {
    const hasScan = (p: Program) => statements(p).some((s) => s.kind === 'scan');
    const result = fc.check(
      fc.property(programArb(options), (p) => !hasScan(p)),
      { seed: 42 },
    );
    expect(result.failed).toBe(true);
    const [shrunk] = result.counterexample ?? [];
    expect(shrunk?.body.stmts.map((s) => s.kind)).toEqual(['scan']);
    const report = fc.defaultReportMessage(result) ?? '';
    expect(report).toContain('seed: 42');
    expect(report).toMatch(/v\d+: \[.*\] = scan\(carry \{ a: v\d+, b: v\d+ \}/);
    expect(report).toContain('return [');
  });
});
