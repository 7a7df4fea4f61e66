// Buffer safety of jit. A compiled program preallocates buffers, reuses them by liveness and
// updates elementwise results in place; these tests pin down what that must never change:
// results of one call survive the next call, inputs and closed-over constants are never written,
// each signature gets its own program, and no in-place update reads a value it already overwrote
// (transposed, broadcast, gathered, sliced or aliased reads of the buffer being written).
import { fc, test as property } from '@fast-check/vitest';
import {
  astype,
  concat,
  cond,
  type DType,
  foriLoop,
  gt,
  iota,
  jit,
  lt,
  matmul,
  maximum,
  minimum,
  scan,
  slice,
  softmax,
  stopGradient,
  type Tensor,
  take,
  tensor,
  transpose,
  where,
  whileLoop,
} from '@loom/core';
import { describe, expect, test } from 'vitest';
import { broadcastShapesArb, caseOfShapeArb, i32, permutationArb, range } from './arbitraries.js';
import {
  expectJitMatches,
  expectSameTree,
  expectUnchanged,
  floatDtypeArb,
  randomTensor,
  snapshot,
  tensorOf,
} from './jit_helpers.js';

const scalarI32 = (v: number) => tensor([v], { shape: [], dtype: 'int32' });

/** Functions of one [n, n] float64 input covering every kind of program output. */
const squareCases: { name: string; f: (x: Tensor) => unknown }[] = [
  { name: 'identity', f: (x) => x },
  { name: 'the input twice', f: (x) => [x, x] },
  { name: 'x + 1', f: (x) => x.add(1) },
  { name: 'a reshape of the input (an alias)', f: (x) => x.reshape([-1]) },
  { name: 'a reshape, then an elementwise op', f: (x) => x.reshape([-1]).add(1) },
  { name: 'the input and a reshape of it', f: (x) => [x, x.reshape([1, -1]), x.mul(2)] },
  { name: 'an elementwise chain', f: (x) => x.mul(2).add(1).tanh() },
  { name: 'stopGradient and a no-op astype', f: (x) => [stopGradient(x), astype(x, 'float64')] },
  { name: 'transpose', f: (x) => x.transpose() },
  { name: 'transpose of an intermediate', f: (x) => x.add(1).transpose() },
  { name: 'x · xᵀ', f: (x) => matmul(x, x.transpose()) },
  { name: 'a reduction', f: (x) => x.sum(0) },
  { name: 'several outputs of different shapes', f: (x) => [x.add(1), x.sum(), x.max(1), x] },
  { name: 'a slice', f: (x) => slice(x, [0, 0], [x.shape[0], 1]) },
  { name: 'concat with itself', f: (x) => concat([x, x], 0) },
  {
    name: 'scan with the input as initial carry',
    f: (x) =>
      scan(
        (c: Tensor, r: Tensor) => [c.mul(0.5).add(r), c] as const,
        x,
        x.reshape([-1, 1, x.shape[1]]).mul(1),
      ),
  },
  {
    name: 'scan returning its carry unchanged',
    f: (x) => scan((c: Tensor, r: Tensor) => [c, r.add(c)] as const, x.sum(0), x),
  },
  {
    name: 'cond returning its operand',
    f: (x) =>
      cond(
        gt(x.sum(), 0),
        (a: Tensor) => a,
        (a: Tensor) => a.neg(),
        x,
      ),
  },
  {
    name: 'whileLoop with the input as carry',
    f: (x) =>
      whileLoop(
        ([, i]: [Tensor, Tensor]) => lt(i, 3),
        ([a, i]) => [a.mul(1.5), i.add(1)] as [Tensor, Tensor],
        [x, scalarI32(0)] as [Tensor, Tensor],
      ),
  },
  {
    name: 'foriLoop with the input as carry',
    f: (x) => foriLoop(0, 3, (_i, a: Tensor) => a.mul(a).sub(0.5), x),
  },
];

describe('calls do not interfere', () => {
  test.each(squareCases)('$name: inputs untouched, first results survive later calls', ({ f }) => {
    const jf = jit(f);
    const x1 = randomTensor([3, 3], 1, 1);
    const x2 = randomTensor([3, 3], 2, 1);
    const in1 = snapshot(x1);
    const in2 = snapshot(x2);
    const r1 = jf(x1);
    const s1 = snapshot(r1);
    const r2 = jf(x2);
    const s2 = snapshot(r2);
    const r3 = jf(x1);
    expectUnchanged(x1, in1, 'first input');
    expectUnchanged(x2, in2, 'second input');
    expectUnchanged(r1, s1, 'first result after two more calls');
    expectUnchanged(r2, s2, 'second result after a third call');
    expectSameTree(r1, f(x1));
    expectSameTree(r2, f(x2));
    expectSameTree(r3, f(x1));
    expect(jf.cacheSize).toBe(1);
  });
});

describe('outputs that are inputs or constants', () => {
  test('an input and a closed-over constant returned as they are, and combined', () => {
    const k = randomTensor([2, 3], 3, 1);
    const kBefore = snapshot(k);
    const f = (x: Tensor, y: Tensor) => [y, k, x.add(k), k.reshape([-1]), y.mul(k)];
    const jf = jit(f);
    const xs = [randomTensor([2, 3], 4), randomTensor([2, 3], 5)];
    const ys = [randomTensor([2, 3], 6), randomTensor([2, 3], 7)];
    const first = jf(xs[0], ys[0]);
    const firstValues = snapshot(first);
    const second = jf(xs[1], ys[1]);
    expectSameTree(first, f(xs[0], ys[0]));
    expectSameTree(second, f(xs[1], ys[1]));
    expectUnchanged(first, firstValues, 'first results');
    expectUnchanged(k, kBefore, 'the constant');
    // A constant flowing through an in-place chain must be copied, not updated.
    expectJitMatches((x: Tensor) => k.mul(2).add(x).exp().add(k), [xs[0]], { untouched: k });
  });

  test('a scalar constant, an int32 constant and a bool constant as outputs and operands', () => {
    const s = tensor(new Float64Array([2.5]), { shape: [] });
    const n = i32([1, 2, 3], [3]);
    const b = tensor([true, false, true]);
    expectJitMatches(
      (x: Tensor) => [s, n, b, where(b, x.mul(s), n.astype('float64'))],
      [randomTensor([3], 8)],
      { untouched: [s, n, b] },
    );
  });
});

describe('one jitted function, several signatures', () => {
  test('alternating shapes and dtypes each get their own program and keep their results', () => {
    const f = (x: Tensor) => x.mul(x.sum(-1, true)).add(x.transpose().sum()).tanh();
    const jf = jit(f);
    const inputs = [
      randomTensor([2, 3], 9, 1),
      randomTensor([4], 10, 1),
      randomTensor([2, 3], 11, 1).astype('float32'),
      randomTensor([3, 2], 12, 1),
    ];
    const results: { r: unknown; s: ReturnType<typeof snapshot> }[] = [];
    for (let round = 0; round < 2; round++) {
      for (const x of inputs) {
        const r = jf(x);
        expectSameTree(r, f(x));
        results.push({ r, s: snapshot(r) });
      }
    }
    expect(jf.cacheSize).toBe(inputs.length);
    results.forEach(({ r, s }, i) => {
      expectUnchanged(r, s, `result ${i}`);
    });
  });
});

describe('in-place hazards', () => {
  /** Functions of one [n, n] input whose naive in-place lowering reads clobbered values. */
  const hazards: { name: string; f: (x: Tensor, perm: Tensor) => unknown }[] = [
    { name: 'x + xᵀ', f: (x) => x.add(x.transpose()) },
    {
      name: 'a + aᵀ of an intermediate',
      f: (x) => {
        const a = x.mul(2);
        return a.add(a.transpose());
      },
    },
    { name: 'x · sum(x, 0, keepdims)', f: (x) => x.mul(x.sum(0, true)) },
    { name: 'x · rowsums laid out as a row', f: (x) => x.mul(x.sum(1, true).transpose()) },
    {
      name: 'a = x+1; b = a·2; c = a+b',
      f: (x) => {
        const a = x.add(1);
        const b = a.mul(2);
        return a.add(b);
      },
    },
    {
      name: 'a = x+1; b = a·2; c = a+b; d = c·a; e = d−b, all returned',
      f: (x) => {
        const a = x.add(1);
        const b = a.mul(2);
        const c = a.add(b);
        const d = c.mul(a);
        return [a, b, c, d, d.sub(b)];
      },
    },
    { name: 'softmax rows (max and sum broadcast back)', f: (x) => softmax(x, 1) },
    {
      name: 'a + its first row (a contiguous slice, broadcast)',
      f: (x) => {
        const a = x.mul(2);
        return a.add(slice(a, [0, 0], [1, a.shape[1]]));
      },
    },
    {
      name: 'a + its first column (broadcast)',
      f: (x) => {
        const a = x.mul(2);
        return a.add(slice(a, [0, 0], [a.shape[0], 1]));
      },
    },
    {
      name: 'a + a reshaped slice of itself',
      f: (x) => {
        const a = x.mul(2);
        const n = a.shape[1];
        return a.add(a.reshape([-1]).slice([0], [n]).reshape([1, n]));
      },
    },
    {
      name: 'rows rotated by concat of slices, plus the original',
      f: (x) => {
        const a = x.exp();
        const n = a.shape[0];
        return concat([slice(a, [1, 0], [n, n]), slice(a, [0, 0], [1, n])], 0).add(a);
      },
    },
    {
      name: 'rows rotated (the source dies here)',
      f: (x) => {
        const a = x.mul(3);
        const n = a.shape[0];
        return concat([slice(a, [1, 0], [n, n]), slice(a, [0, 0], [1, n])], 0).sub(1);
      },
    },
    {
      name: 'gather by a permutation, plus the source',
      f: (x, perm) => {
        const a = x.mul(2);
        return take(a, perm, 0).add(a);
      },
    },
    {
      name: 'gather by a permutation (the source dies)',
      f: (x, perm) => take(x.mul(2), perm, 1).add(1),
    },
    {
      name: 'reverse via iota indices, minus the source',
      f: (x) => {
        const a = x.sin();
        const n = a.shape[0];
        return take(
          a,
          iota([n], 0, 'int32')
            .neg()
            .add(n - 1),
          0,
        ).sub(a);
      },
    },
    {
      name: 'exp, a reshape alias of it, an op on the alias; both returned',
      f: (x) => {
        const a = x.exp();
        const c = a.reshape([-1]).add(1);
        return [a, c];
      },
    },
    {
      name: 'a · a (dot reads its dying operands throughout)',
      f: (x) => {
        const a = x.mul(1.5);
        return matmul(a, a);
      },
    },
    {
      name: 'a · b of two dying intermediates, then + a',
      f: (x) => {
        const a = x.mul(2);
        return matmul(a, x.add(1)).add(a);
      },
    },
    { name: 'transpose of a dying intermediate', f: (x) => x.mul(2).transpose().add(1) },
    {
      name: 'a = 2x; b = aᵀ; (a + b) · b',
      f: (x) => {
        const a = x.mul(2);
        const b = transpose(a);
        return a.add(b).mul(b);
      },
    },
    {
      name: 'sum then a further use of the summed value',
      f: (x) => {
        const a = x.tanh();
        return [a.sum(), a.mul(3)];
      },
    },
    {
      name: 'the input read after its last intermediate',
      f: (x) => {
        const y = x.add(1);
        return y.mul(y).add(x);
      },
    },
    {
      name: 'where with a transposed branch',
      f: (x) => {
        const a = x.add(0.5);
        return where(a.gt(0), a, a.transpose());
      },
    },
    {
      name: 'max/min against the transpose',
      f: (x) => {
        const a = x.mul(2);
        return [maximum(a, a.transpose()), minimum(a.transpose(), a)];
      },
    },
    {
      name: 'integer chain with an aliasing reshape',
      f: (x) => {
        const a = astype(x.mul(10), 'int32');
        const b = a.reshape([-1]).mul(3);
        return a.add(b.reshape(a.shape)).add(a.transpose());
      },
    },
  ];

  describe.each(hazards)('$name', ({ f }) => {
    property.prop([
      fc
        .integer({ min: 1, max: 5 })
        .chain((n) => fc.tuple(caseOfShapeArb([n, n]), permutationArb(n))),
      floatDtypeArb,
    ])('equals eager for square inputs of every size', ([c, perm], dt) => {
      const idx = i32(perm, [perm.length]);
      expectJitMatches(f, [tensorOf(c, dt), idx]);
    });
  });
});

describe('buffer reuse across many intermediates', () => {
  property.prop([
    fc.tuple(
      fc.integer({ min: 1, max: 5 }),
      fc.integer({ min: 1, max: 5 }),
      fc.integer({ min: 1, max: 5 }),
    ),
    fc.nat(),
    floatDtypeArb,
  ])('a long function mixing shapes [n,m], [m,k], [k], [m,1], scalars', ([n, m, k], seed, dt) => {
    const f = (x: Tensor, y: Tensor, v: Tensor) => {
      const a = x.tanh();
      const b = matmul(a, y);
      const c = b.add(v).relu();
      const d = c.sum(0);
      const e = d.mul(v).exp();
      const g = matmul(y, e.reshape([k, 1])).reshape([m]);
      const h = a.mul(g).sub(x);
      const i = h.transpose().matmul(b);
      const j = i.add(y.mul(2)).sum(1, true);
      const l = concat([j, g.reshape([m, 1])], 1).max(0);
      return [h, i, l, d.sum().add(l.sum()), c.sub(b)];
    };
    const args = [
      randomTensor([n, m], seed, 1),
      randomTensor([m, k], seed + 1, 1),
      randomTensor([k], seed + 2, 1),
    ].map((t) => t.astype(dt as DType));
    expectJitMatches(f, [args[0], args[1], args[2]]);
  });

  // Random straight-line programs over three broadcast-compatible inputs: each node reads any
  // earlier node (so values have overlapping lifetimes), and any node, input or not, may be an
  // output. Ops are bounded so float32 comparisons stay meaningful.
  const unaryOps: ((a: Tensor, k: number) => Tensor)[] = [
    (a) => a.tanh(),
    (a) => a.sin(),
    (a) => a.neg(),
    (a) => a.abs(),
    (a, k) => a.mul(k),
    (a, k) => a.add(k),
    (a) => a.square().neg().exp(),
  ];
  const binaryOps: ((a: Tensor, b: Tensor) => Tensor)[] = [
    (a, b) => a.add(b),
    (a, b) => a.sub(b),
    (a, b) => a.mul(b.tanh()),
    (a, b) => maximum(a, b),
    (a, b) => minimum(a, b),
    (a, b) => where(a.gt(b), a, b.mul(0.5)),
    (a, b) => a.div(b.square().add(1)),
  ];
  const nodeArb = fc.oneof(
    fc.record({
      kind: fc.constant('unary' as const),
      op: fc.nat(unaryOps.length - 1),
      a: fc.nat(),
      k: fc.double({ min: -2, max: 2, noNaN: true }),
    }),
    fc.record({
      kind: fc.constant('binary' as const),
      op: fc.nat(binaryOps.length - 1),
      a: fc.nat(),
      b: fc.nat(),
    }),
    fc.record({ kind: fc.constant('mean' as const), a: fc.nat(), axis: fc.nat() }),
  );
  type Node = typeof nodeArb extends fc.Arbitrary<infer T> ? T : never;

  function runProgram(nodes: Node[], outs: number[], inputs: Tensor[]): Tensor[] {
    const vals = [...inputs];
    const pick = (i: number) => vals[i % vals.length];
    for (const n of nodes) {
      if (n.kind === 'unary') vals.push(unaryOps[n.op](pick(n.a), n.k));
      else if (n.kind === 'binary') vals.push(binaryOps[n.op](pick(n.a), pick(n.b)));
      else {
        // keepdims keeps every value broadcast-compatible with every other.
        const a = pick(n.a);
        vals.push(a.ndim === 0 ? a.mul(0.5) : a.mean(n.axis % a.ndim, true));
      }
    }
    return [vals[vals.length - 1], ...outs.map(pick)];
  }

  property.prop([
    broadcastShapesArb(3, { maxRank: 3 }).chain((shapes) =>
      fc.tuple(...shapes.map((s) => caseOfShapeArb(s))),
    ),
    fc.array(nodeArb, { minLength: 1, maxLength: 14 }),
    fc.array(fc.nat(), { minLength: 0, maxLength: 3 }),
    floatDtypeArb,
  ])(
    'random elementwise DAGs (fusion, liveness, in-place reuse) equal eager',
    (cases, nodes, outs, dt) => {
      const inputs = cases.map((c) => tensorOf(c, dt));
      expectJitMatches(
        (a: Tensor, b: Tensor, c: Tensor) => runProgram(nodes, outs, [a, b, c]),
        [inputs[0], inputs[1], inputs[2]],
      );
    },
  );

  test('a program far longer than the number of live values reuses buffers correctly', () => {
    const f = (x: Tensor) => {
      let a = x;
      let b = x.mul(0.5);
      for (const i of range(60)) {
        const next =
          i % 3 === 0 ? a.add(b.sin()) : i % 3 === 1 ? a.mul(b.tanh()) : a.sub(b.transpose());
        b = a;
        a = next;
      }
      return [a, b];
    };
    expectJitMatches(f, [randomTensor([4, 4], 13, 1)]);
  });
});
