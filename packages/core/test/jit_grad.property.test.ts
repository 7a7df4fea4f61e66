// Derivatives under jit: jit(grad(f)), grad(jit(f)) and jit(grad(jit(f))) equal grad(f) for
// composite functions (float64), checkGrads passes for jit(f), and the backward program of every
// primitive family runs under jit to the same numbers as the eager backward pass. Backward
// programs are where a compiler meets pad, scatter_add, transposed dot_generals and
// broadcast-then-reduce patterns that forward code rarely produces.
import { fc, test as property } from '@fast-check/vitest';
import {
  abs,
  argmax,
  astype,
  broadcastTo,
  concat,
  concatenate,
  cos,
  exp,
  grad,
  gt,
  integerPow,
  jit,
  jvp,
  log,
  logSoftmax,
  logSumExp,
  matmul,
  max,
  maximum,
  mean,
  min,
  minimum,
  oneHot,
  pow,
  relu,
  reshape,
  rsqrt,
  scatterAdd,
  sigmoid,
  sin,
  slice,
  softmax,
  softplus,
  sqrt,
  stack,
  stopGradient,
  sum,
  type Tensor,
  take,
  tanh,
  tensor,
  transpose,
  valueAndGrad,
  vmap,
  where,
} from '@loom/core';
import { describe, test } from 'vitest';
import {
  axisSpecArb,
  broadcastCasesArb,
  broadcastShapesArb,
  caseOfShapeArb,
  distinctCaseArb,
  gradCheck,
  gridCaseArb,
  i32,
  permutationArb,
  shapeArb,
  t64,
  tensorCaseArb,
  type ValueRange,
} from './arbitraries.js';
import { expectJitMatches, expectSameTree, randomTensor } from './jit_helpers.js';

type Fn = (...args: Tensor[]) => Tensor;

interface Composite {
  name: string;
  /** The arguments (float64 unless noted) for a seed. */
  args: fc.Arbitrary<Tensor[]>;
  f: Fn;
  /** Which arguments are differentiated (the others are int32 data). */
  argnums: number[];
  /** checkGrads order (2 where the function is smooth on the inputs drawn). */
  order: number;
}

const dim = (max = 4) => fc.integer({ min: 1, max });
const seed = fc.nat();

const composites: Composite[] = [
  {
    name: 'MLP layer with tanh and a mean-squared loss',
    args: fc
      .tuple(dim(), dim(), dim(), seed)
      .map(([n, i, h, s]) => [
        randomTensor([i, h], s),
        randomTensor([h], s + 1, 0.1),
        randomTensor([n, i], s + 2, 1),
      ]),
    f: (w, b, x) => tanh(matmul(x, w).add(b)).sub(0.3).square().mean(),
    argnums: [0, 1, 2],
    order: 2,
  },
  {
    name: 'two-layer MLP with softmax cross-entropy against oneHot labels',
    args: fc
      .tuple(dim(), dim(3), dim(), dim(), seed)
      .chain(([n, i, h, c, s]) =>
        fc
          .array(fc.integer({ min: 0, max: c - 1 }), { minLength: n, maxLength: n })
          .map((labels) => [
            randomTensor([i, h], s),
            randomTensor([h], s + 1, 0.1),
            randomTensor([h, c], s + 2),
            randomTensor([n, i], s + 3, 1),
            i32(labels, [n]),
          ]),
      ),
    f: (w1, b1, w2, x, labels) => {
      const logits = matmul(tanh(matmul(x, w1).add(b1)), w2);
      const target = oneHot(labels, w2.shape[1], 'float64');
      return logSoftmax(logits).mul(target).sum(1).mean().neg();
    },
    argnums: [0, 1, 2, 3],
    order: 2,
  },
  {
    name: 'reductions: logSumExp, max/min over axes, mean, keepdims broadcast back',
    args: fc
      .tuple(dim(), dim())
      .chain(([m, n]) => distinctCaseArb([m, n]))
      .map((c) => [t64(c)]),
    f: (x) =>
      logSumExp(x, 1)
        .sum()
        .add(max(x, 0).square().sum())
        .add(min(x, [0, 1]).mul(mean(x.mul(x))))
        .add(
          x
            .sub(sum(x, 1, true))
            .tanh()
            .sum(),
        ),
    argnums: [0],
    order: 2,
  },
  {
    name: 'softmax attention (Q·Kᵀ, softmax, ·V)',
    args: fc
      .tuple(dim(), dim(3), seed)
      .map(([t, d, s]) => [
        randomTensor([t, d], s, 1),
        randomTensor([t, d], s + 1, 1),
        randomTensor([t, d], s + 2, 1),
      ]),
    f: (q, k, v) =>
      matmul(softmax(matmul(q, transpose(k)).div(Math.sqrt(q.shape[1]))), v)
        .tanh()
        .sum(),
    argnums: [0, 1, 2],
    order: 2,
  },
  {
    name: 'batched matmul of transposed operands',
    args: fc
      .tuple(dim(3), dim(), dim(), dim(), seed)
      .map(([b, m, k, n, s]) => [randomTensor([b, k, m], s, 1), randomTensor([b, n, k], s + 1, 1)]),
    f: (a, b) =>
      matmul(transpose(a, [0, 2, 1]), transpose(b, [0, 2, 1]))
        .sin()
        .sum(),
    argnums: [0, 1],
    order: 2,
  },
  {
    name: 'layout: x + xᵀ, gather rows, concat, strided slice, stack, reshape',
    args: fc
      .tuple(dim(), seed)
      .chain(([n, s]) =>
        permutationArb(n).map((perm) => [randomTensor([n, n], s, 1), i32(perm, [n])]),
      ),
    f: (x, perm) => {
      const n = x.shape[0];
      const y = x.add(transpose(x)).mul(0.5);
      const z = concat([y, take(y.exp(), perm, 0)], 0);
      const s = slice(z, [0, 0], [2 * n, n], [2, 1]);
      return reshape(stack([s.sin(), s.cos().mul(y)], 0), [-1])
        .square()
        .sum();
    },
    argnums: [0],
    order: 2,
  },
  {
    name: 'broadcasting: a row vector scales, divides and is summed back',
    args: fc
      .tuple(dim(), dim(), seed)
      .map(([m, n, s]) => [randomTensor([m, n], s, 2), randomTensor([n], s + 1, 1)]),
    f: (x, v) =>
      sigmoid(x.mul(v))
        .div(v.square().add(1))
        .sum(0)
        .square()
        .sum()
        .add(broadcastTo(v, [x.shape[0], v.shape[0]]).mul(x).cos().mean()),
    argnums: [0, 1],
    order: 2,
  },
  {
    // Operands on disjoint grids never tie, so the kinks of where/maximum/abs are out of reach.
    name: 'where / maximum / minimum / abs / relu away from their kinks',
    args: broadcastShapesArb(2, { maxRank: 3 }).chain(([s1, s2]) =>
      fc.tuple(gridCaseArb(s1, 0.25), gridCaseArb(s2, 0.75)).map(([a, b]) => [t64(a), t64(b)]),
    ),
    f: (x, y) =>
      where(gt(x, y), x.mul(y), x.sub(y).exp())
        .add(maximum(x, y).mul(minimum(x, y)))
        .add(abs(x).mul(relu(y)))
        .sum(),
    argnums: [0, 1],
    order: 2,
  },
  {
    name: 'pow, integer_pow, sqrt, rsqrt, log on positive inputs',
    args: fc
      .tuple(dim(), seed)
      .map(([n, s]) => [randomTensor([n], s, 0.7).add(1.3), randomTensor([n], s + 1, 1.5)]),
    f: (x, y) =>
      pow(x, y)
        .add(integerPow(x, 3))
        .add(integerPow(x, -2))
        .add(sqrt(x).mul(log(x)))
        .add(rsqrt(x.add(1)))
        .sum(),
    argnums: [0, 1],
    order: 2,
  },
  {
    // Distinct values keep argmax and max stable under finite-difference steps.
    name: 'gather by argmax, softplus, a stopGradient-shifted logSumExp',
    args: fc
      .tuple(dim(), dim())
      .chain(([m, n]) => distinctCaseArb([m, n]))
      .map((c) => [t64(c)]),
    f: (x) => {
      const picked = take(x, argmax(x, 1), 1);
      const m = stopGradient(x.max());
      const lse = x.sub(m).exp().sum().log().add(m);
      return picked.square().sum().add(softplus(x).sum()).add(lse);
    },
    argnums: [0],
    order: 1,
  },
  {
    name: 'scatterAdd with repeated indices, then a nonlinearity',
    args: fc
      .tuple(dim(3), dim(), seed)
      .chain(([k, n, s]) =>
        fc
          .array(fc.integer({ min: 0, max: k }), { minLength: k, maxLength: k })
          .map((idx) => [randomTensor([k, n], s, 1), i32(idx, [k])]),
      ),
    f: (u, idx) =>
      scatterAdd(u.exp(), idx, [idx.shape[0] + 1, u.shape[1]], 0)
        .tanh()
        .mul(concatenate([u, u.sin()], 0).sum(0))
        .sum(),
    argnums: [0],
    order: 2,
  },
];

describe.each(composites)('$name', ({ args, f, argnums, order }) => {
  property.prop([args], { numRuns: 15 })(
    'jit(grad(f)), grad(jit(f)), jit(grad(jit(f))) and valueAndGrad under jit equal grad(f)',
    (xs) => {
      const g = grad(f, { argnums })(...xs);
      expectJitMatches(grad(f, { argnums }), xs);
      expectJitMatches(valueAndGrad(f, { argnums }), xs);
      expectSameTree(grad(jit(f), { argnums })(...xs), g);
      expectSameTree(jit(grad(jit(f), { argnums }))(...xs), g);
      expectSameTree(valueAndGrad(jit(f), { argnums })(...xs), valueAndGrad(f, { argnums })(...xs));
    },
  );

  property.prop([args], { numRuns: 4 })('checkGrads of jit(f) (fwd + rev)', (xs) => {
    // checkGrads differentiates with respect to every argument, so int32 data is closed over.
    const data = xs.filter((_, i) => !argnums.includes(i));
    const wrapped = jit((...ps: Tensor[]) => {
      let k = 0;
      let d = 0;
      return f(...xs.map((_, i) => (argnums.includes(i) ? ps[k++] : data[d++])));
    });
    gradCheck(
      wrapped,
      argnums.map((i) => xs[i]),
      { order },
    );
  });

  property.prop([args], { numRuns: 5 })(
    'second order: jit of a gradient of a gradient norm',
    (xs) => {
      const first = argnums[0];
      const rest = (a: Tensor) => xs.map((x, i) => (i === first ? a : x));
      const h = (a: Tensor) =>
        grad((b: Tensor) => {
          const gb = grad((c: Tensor) => f(...rest(c)))(b);
          return gb.mul(gb).sum();
        })(a);
      expectJitMatches(h, [xs[first]]);
    },
  );
});

describe('backward programs of each primitive family under jit', () => {
  // A non-uniform cotangent (cos of the output) so every backward path carries distinct values.
  const loss = (y: Tensor) => y.sin().sum();

  const unary: { name: string; f: (x: Tensor) => Tensor; range: ValueRange }[] = [
    { name: 'exp', f: exp, range: { min: -3, max: 3 } },
    { name: 'log', f: log, range: { min: 0.1, max: 5 } },
    { name: 'tanh', f: tanh, range: { min: -3, max: 3 } },
    { name: 'sigmoid', f: sigmoid, range: { min: -6, max: 6 } },
    { name: 'sin', f: sin, range: { min: -4, max: 4 } },
    { name: 'cos', f: cos, range: { min: -4, max: 4 } },
    { name: 'sqrt', f: sqrt, range: { min: 0.1, max: 5 } },
    { name: 'rsqrt', f: rsqrt, range: { min: 0.1, max: 5 } },
    { name: 'abs', f: abs, range: { min: -4, max: 4, awayFromZero: 0.1 } },
    { name: 'relu', f: relu, range: { min: -4, max: 4, awayFromZero: 0.1 } },
    { name: 'softplus', f: softplus, range: { min: -6, max: 6 } },
    { name: 'integerPow 3', f: (x) => integerPow(x, 3), range: { min: -2, max: 2 } },
    {
      name: 'float32 round trip',
      f: (x) => astype(astype(x, 'float32'), 'float64').mul(x),
      range: { min: -3, max: 3 },
    },
  ];

  property.prop([
    fc.constantFrom(...unary).chain((u) => fc.tuple(fc.constant(u), tensorCaseArb(u.range))),
  ])('unary: jit(grad) and jit(grad of grad)', ([{ f }, c]) => {
    const x = t64(c);
    expectJitMatches(
      grad((a: Tensor) => loss(f(a))),
      [x],
    );
    expectJitMatches(
      grad((a: Tensor) => grad((b: Tensor) => loss(f(b)))(a).sum()),
      [x],
    );
  });

  const binary: { name: string; f: (x: Tensor, y: Tensor) => Tensor; ranges: ValueRange[] }[] = [
    {
      name: 'add',
      f: (x, y) => x.add(y),
      ranges: [
        { min: -3, max: 3 },
        { min: -3, max: 3 },
      ],
    },
    {
      name: 'sub',
      f: (x, y) => x.sub(y),
      ranges: [
        { min: -3, max: 3 },
        { min: -3, max: 3 },
      ],
    },
    {
      name: 'mul',
      f: (x, y) => x.mul(y),
      ranges: [
        { min: -3, max: 3 },
        { min: -3, max: 3 },
      ],
    },
    {
      name: 'div',
      f: (x, y) => x.div(y),
      ranges: [
        { min: -3, max: 3 },
        { min: -3, max: 3, awayFromZero: 0.2 },
      ],
    },
    {
      name: 'pow',
      f: pow,
      ranges: [
        { min: 0.2, max: 3 },
        { min: -2, max: 2 },
      ],
    },
  ];

  property.prop([
    fc.constantFrom(...binary).chain((b) => fc.tuple(fc.constant(b), broadcastCasesArb(b.ranges))),
  ])('binary with broadcasting: gradients are summed back to each operand shape', ([{ f }, cs]) => {
    expectJitMatches(
      grad((x: Tensor, y: Tensor) => loss(f(x, y)), { argnums: [0, 1] }),
      [t64(cs[0]), t64(cs[1])],
    );
  });

  property.prop([
    shapeArb().chain((shape) =>
      fc.tuple(distinctCaseArb(shape), axisSpecArb(shape.length), fc.boolean()),
    ),
  ])('reductions over random axes: sum / mean / max / min / logSumExp', ([c, axis, keepdims]) => {
    const x = t64(c);
    for (const r of [sum, mean, max, min])
      expectJitMatches(
        grad((a: Tensor) => loss(r(a, axis, keepdims))),
        [x],
      );
    if (c.shape.length > 0) {
      const ax = typeof axis === 'number' ? axis : -1;
      expectJitMatches(
        grad((a: Tensor) => loss(logSumExp(a, ax, keepdims))),
        [x],
      );
    }
  });

  property.prop([
    tensorCaseArb({ min: -3, max: 3 }, { minRank: 2, maxRank: 3 }).chain((c) =>
      fc.tuple(fc.constant(c), permutationArb(c.shape.length)),
    ),
  ])(
    'layout: transpose, reshape, slice (pad), concat, take (scatter_add), broadcast',
    ([c, perm]) => {
      const x = t64(c);
      const n0 = c.shape[0];
      const idx = i32(
        Array.from({ length: n0 + 1 }, (_, i) => (i * 2) % n0),
        [n0 + 1],
      );
      const f = (a: Tensor) => {
        const t = transpose(a, perm).reshape([-1]);
        const s = slice(
          a,
          a.shape.map(() => 0),
          a.shape,
          a.shape.map(() => 2),
        );
        const g = take(a, idx, 0);
        return loss(t)
          .add(loss(s))
          .add(loss(concat([a, a.exp()], -1)))
          .add(loss(g))
          .add(loss(broadcastTo(a, [2, ...a.shape])));
      };
      expectJitMatches(grad(f), [x], { untouched: idx });
    },
  );

  property.prop([caseOfShapeArb([3, 4]), fc.integer({ min: 1, max: 4 })])(
    'stack of many views of one input: every cotangent lands in the same gradient buffer',
    (c, copies) => {
      const f = (a: Tensor) =>
        loss(
          stack(
            Array.from({ length: copies }, (_, i) => a.mul(i + 1).transpose()),
            1,
          ),
        );
      expectJitMatches(grad(f), [t64(c)]);
    },
  );
});

describe('other transformations of jit', () => {
  property.prop([fc.tuple(dim(), dim(), seed)], { numRuns: 15 })(
    'jvp(jit(f)) and vmap(jit(f)) equal jvp(f) and vmap(f)',
    ([n, m, s]) => {
      const w = randomTensor([m, m], s);
      const f = (x: Tensor) => tanh(matmul(x, w)).mul(x).add(softmax(x));
      const xs = randomTensor([n, m], s + 1, 1);
      const ts = randomTensor([n, m], s + 2, 1);
      expectSameTree(jvp(jit(f), [xs], [ts]), jvp(f, [xs], [ts]));
      expectSameTree(vmap(jit(f))(xs), vmap(f)(xs));
      expectSameTree(jit(vmap(f))(xs), vmap(f)(xs));
      expectJitMatches((x: Tensor, t: Tensor) => jvp(f, [x], [t]), [xs, ts], { untouched: w });
    },
  );

  test('a tensor literal closed over by the differentiated function is left alone', () => {
    const k = tensor(new Float64Array([1, 2, 3]));
    expectJitMatches(
      grad((x: Tensor) => x.mul(k).exp().sum()),
      [tensor(new Float64Array([0.1, 0.2, 0.3]))],
      {
        untouched: k,
      },
    );
  });
});
