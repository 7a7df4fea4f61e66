// Control flow under jit: scan (every option, nested, tree carries), cond, whileLoop, foriLoop,
// jit inside a scan body, and a jitted training step, each equal to the eager run, with gradients.
// A compiled scan updates carries in place and writes ys into stacked buffers, so the bodies
// below deliberately return carries unchanged, swapped, aliased to each other, read after their
// own update, or equal to ys, xs slices and closed-over constants.
import { fc, test as property } from '@fast-check/vitest';
import {
  concat,
  cond,
  foriLoop,
  ge,
  grad,
  gt,
  jit,
  jvp,
  lt,
  matmul,
  relu,
  type ScanOptions,
  scan,
  sigmoid,
  sum,
  type Tensor,
  tanh,
  tensor,
  tree,
  valueAndGrad,
  whileLoop,
} from '@loom/core';
import { describe, expect, test } from 'vitest';
import { gradCheck } from './arbitraries.js';
import {
  expectJitMatches,
  expectSameTree,
  expectUnchanged,
  randomTensor,
  snapshot,
} from './jit_helpers.js';

type Act = 'tanh' | 'sigmoid' | 'relu';
const act = (a: Act, x: Tensor) =>
  a === 'tanh' ? tanh(x) : a === 'sigmoid' ? sigmoid(x) : relu(x);
const actArb = fc.constantFrom<Act>('tanh', 'sigmoid', 'relu');

const optionsArb: fc.Arbitrary<ScanOptions> = fc.record({
  reverse: fc.boolean(),
  unroll: fc.constantFrom(1, 2, 3),
  checkpoint: fc.boolean(),
});

const scalarF64 = (v: number) => tensor(new Float64Array([v]), { shape: [] });
const scalarI32 = (v: number) => tensor([v], { shape: [], dtype: 'int32' });

type Elman = { wx: Tensor; wh: Tensor; b: Tensor };
const elman = (a: Act) => (p: Elman, h: Tensor, x: Tensor) =>
  act(a, matmul(x, p.wx).add(matmul(h, p.wh)).add(p.b));

type Lstm = { w: Tensor; b: Tensor };
type LstmState = { h: Tensor; c: Tensor };
const lstm =
  (hidden: number) =>
  (p: Lstm, s: LstmState, x: Tensor): LstmState => {
    const z = matmul(concat([s.h, x], 1), p.w).add(p.b);
    const gate = (k: number) =>
      z.reshape([z.shape[0], 4, hidden]).take([k], 1).reshape([z.shape[0], hidden]);
    const c = sigmoid(gate(0))
      .mul(s.c)
      .add(sigmoid(gate(1)).mul(tanh(gate(2))));
    return { h: sigmoid(gate(3)).mul(tanh(c)), c };
  };

describe('scan of recurrent cells', () => {
  property.prop(
    [
      actArb,
      fc.integer({ min: 1, max: 20 }),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 3 }),
      optionsArb,
      fc.nat(),
    ],
    { numRuns: 20 },
  )(
    'Elman: outputs and gradients, params as arguments or closed over',
    (a, length, batch, hidden, input, opts, seed) => {
      const cell = elman(a);
      const p: Elman = {
        wx: randomTensor([input, hidden], seed),
        wh: randomTensor([hidden, hidden], seed + 1),
        b: randomTensor([hidden], seed + 2, 0.1),
      };
      const xs = randomTensor([length, batch, input], seed + 3, 1);
      const h0 = randomTensor([batch, hidden], seed + 4);
      const run = (q: Elman, h: Tensor, x: Tensor) =>
        scan(
          (c: Tensor, xt: Tensor) => {
            const n = cell(q, c, xt);
            return [n, n.mul(n)] as const;
          },
          h,
          x,
          opts,
        );
      const loss = (q: Elman, h: Tensor, x: Tensor) => {
        const [hT, hs] = run(q, h, x);
        return sum(hs).add(sum(hT.mul(0.5)));
      };
      expectJitMatches(run, [p, h0, xs]);
      expectJitMatches((h: Tensor, x: Tensor) => run(p, h, x), [h0, xs], { untouched: p });
      const argnums = [0, 1, 2];
      expectJitMatches(grad(loss, { argnums }), [p, h0, xs]);
      expectSameTree(grad(jit(loss), { argnums })(p, h0, xs), grad(loss, { argnums })(p, h0, xs));
    },
  );

  property.prop(
    [
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 3 }),
      optionsArb,
      fc.nat(),
    ],
    { numRuns: 10 },
  )('LSTM with a {h, c} carry: outputs and gradients', (length, batch, hidden, opts, seed) => {
    const cell = lstm(hidden);
    const p: Lstm = {
      w: randomTensor([hidden + 2, 4 * hidden], seed),
      b: randomTensor([4 * hidden], seed + 1, 0.1),
    };
    const xs = randomTensor([length, batch, 2], seed + 2, 1);
    const s0 = {
      h: randomTensor([batch, hidden], seed + 3),
      c: randomTensor([batch, hidden], seed + 4),
    };
    const run = (q: Lstm, s: LstmState, x: Tensor) =>
      scan(
        (st: LstmState, xt: Tensor) => {
          const n = cell(q, st, xt);
          return [n, n.h] as const;
        },
        s,
        x,
        opts,
      );
    const loss = (q: Lstm, s: LstmState, x: Tensor) => {
      const [sT, hs] = run(q, s, x);
      return sum(hs.mul(hs)).add(sum(sT.c));
    };
    expectJitMatches(run, [p, s0, xs]);
    expectJitMatches(grad(loss, { argnums: [0, 1] }), [p, s0, xs]);
    expectSameTree(grad(jit(loss))(p, s0, xs), grad(loss)(p, s0, xs));
  });

  property.prop(
    [actArb, fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 2 }), optionsArb, fc.nat()],
    { numRuns: 4 },
  )('checkGrads of a jitted Elman loss (fwd + rev)', (a, length, batch, opts, seed) => {
    const cell = elman(a === 'relu' ? 'tanh' : a);
    const p: Elman = {
      wx: randomTensor([2, 3], seed),
      wh: randomTensor([3, 3], seed + 1),
      b: randomTensor([3], seed + 2, 0.1),
    };
    const xs = randomTensor([length, batch, 2], seed + 3, 1);
    const loss = jit((q: Elman, h: Tensor) =>
      sum(
        scan(
          (c: Tensor, x: Tensor) => [cell(q, c, x), cell(q, c, x).sum()] as const,
          h,
          xs,
          opts,
        )[1],
      ),
    );
    gradCheck(loss, [p, randomTensor([batch, 3], seed + 4)]);
  });

  /** A scan whose body runs another scan, both with the drawn options. */
  const nestedCase = (outer: number, inner: number, opts: ScanOptions, seed: number) => {
    const w = randomTensor([2, 2], seed);
    const xs = randomTensor([outer, inner, 1, 2], seed + 1, 1);
    const h0 = randomTensor([1, 2], seed + 2);
    const nested = (q: Tensor, h: Tensor, seqs: Tensor) =>
      scan(
        (c: Tensor, seq: Tensor) => {
          const [n, hs] = scan(
            (ci: Tensor, x: Tensor) => {
              const m = tanh(matmul(ci, q).add(x));
              return [m, m.mul(ci)] as const;
            },
            c,
            seq,
            opts,
          );
          return [n, [n, hs]] as const;
        },
        h,
        seqs,
        opts,
      );
    const loss = (q: Tensor) => {
      const [hT, [hs, inner2]] = nested(q, h0, xs);
      return sum(hT)
        .add(sum(hs.mul(hs)))
        .add(sum(inner2));
    };
    return { w, xs, h0, nested, loss };
  };
  const nestedArb = fc.tuple(
    fc.integer({ min: 1, max: 5 }),
    fc.integer({ min: 1, max: 4 }),
    optionsArb,
    fc.nat(),
  );

  property.prop([nestedArb], { numRuns: 10 })(
    'nested scans: outputs',
    ([outer, inner, opts, seed]) => {
      const { w, xs, h0, nested } = nestedCase(outer, inner, opts, seed);
      expectJitMatches(nested, [w, h0, xs]);
    },
  );

  property.prop([nestedArb], { numRuns: 10 })(
    'nested scans: gradients and grad of grad',
    ([outer, inner, opts, seed]) => {
      const { w, loss } = nestedCase(outer, inner, opts, seed);
      expectJitMatches(grad(loss), [w]);
      expectJitMatches(
        grad((q: Tensor) => sum(grad(loss)(q).mul(q))),
        [w],
      );
      expectSameTree(grad(jit(loss))(w), grad(loss)(w));
    },
  );
});

describe('scan bodies that stress in-place carry updates', () => {
  type Pair = [Tensor, Tensor];
  interface BodyCase {
    name: string;
    /** The body, given a closed-over constant k of the carry's shape. */
    body: (k: Tensor) => (c: Pair, x: Tensor) => readonly [Pair, unknown];
  }
  const bodies: BodyCase[] = [
    {
      name: 'carry returned unchanged',
      body:
        () =>
        ([a, b], x) => [[a, b], a.mul(x).add(b)],
    },
    {
      name: 'two carries swapped',
      body:
        () =>
        ([a, b], x) => [[b, a], a.sub(b).mul(x)],
    },
    {
      name: 'swapped and updated',
      body:
        () =>
        ([a, b], x) => [[b.add(x), a.mul(0.9)], b],
    },
    {
      // new b reads the old a, so a must not be overwritten before b is computed.
      name: 'a carry read after its own update',
      body:
        () =>
        ([a, b], x) => {
          const na = a.add(x);
          return [[na, b.mul(a).add(na)], na];
        },
    },
    {
      name: 'both carries the same new value',
      body:
        () =>
        ([a, b], x) => {
          const n = tanh(a.add(b).mul(x));
          return [[n, n], n];
        },
    },
    {
      name: 'ys is the old carry',
      body:
        () =>
        ([a, b], x) => [[tanh(a.add(x)), b.mul(0.5)], a],
    },
    {
      name: 'ys is the new carry (twice, in a tree)',
      body:
        () =>
        ([a, b], x) => {
          const n = tanh(a.add(x));
          return [[n, b], { first: n, again: n, b }];
        },
    },
    {
      name: 'ys is the xs slice',
      body:
        () =>
        ([a, b], x) => [
          [a.add(x), b.sub(x)],
          [x, x.mul(2)],
        ],
    },
    {
      name: 'ys and a carry are a closed-over constant',
      body:
        (k) =>
        ([a, b], x) => [[k, a.add(x).mul(b)], k],
    },
    {
      name: 'carry built from a closed-over constant',
      body:
        (k) =>
        ([a, b], x) => [[k.add(a.mul(0.5)), b.add(x.mul(k))], a.mul(k)],
    },
    {
      name: 'no ys at all',
      body:
        () =>
        ([a, b], x) => [[b.mul(0.5), a.add(x)], null],
    },
  ];

  describe.each(bodies)('$name', ({ body }) => {
    property.prop(
      [
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 3 }),
        optionsArb,
        fc.nat(),
      ],
      { numRuns: 15 },
    )('init / xs as arguments or closed over; gradients', (length, batch, width, opts, seed) => {
      const k = randomTensor([batch, width], seed);
      const f = body(k);
      const init: Pair = [
        randomTensor([batch, width], seed + 1),
        randomTensor([batch, width], seed + 2),
      ];
      const xs = randomTensor([length, batch, width], seed + 3, 1);
      const run = (c: Pair, x: Tensor) => scan(f, c, x, opts);
      expectJitMatches(run, [init, xs], { untouched: k });
      // Closed-over init and xs become constants of the program: in-place carry updates must
      // copy them first, or the second call starts from clobbered values.
      expectJitMatches((x: Tensor) => run(init, x), [xs], { untouched: [k, init] });
      expectJitMatches((c: Pair) => run(c, xs), [init], { untouched: [k, xs] });
      const loss = (c: Pair, x: Tensor) => {
        const [cT, ys] = run(c, x);
        // A different weight per leaf, so no two outputs' cotangents are interchangeable.
        const term = (l: Tensor, i: number) => sum(l.mul(i + 1).sin());
        return tree.leaves<Tensor>([cT, ys]).reduce((s, l, i) => s.add(term(l, i)), scalarF64(0));
      };
      expectJitMatches(grad(loss, { argnums: [0, 1] }), [init, xs], { untouched: k });
    });
  });

  property.prop([fc.integer({ min: 0, max: 12 }), optionsArb, fc.nat()], { numRuns: 15 })(
    'xs = null with a length (including 0): ys stacked from the carry; int32 counter carry',
    (length, opts, seed) => {
      const h0 = randomTensor([3], seed, 1);
      const run = (h: Tensor) =>
        scan(
          ([i, c]: [Tensor, Tensor], _: null) =>
            [[i.add(1), c.mul(0.9).add(i.astype('float64'))] as [Tensor, Tensor], [i, c]] as const,
          [scalarI32(0), h] as [Tensor, Tensor],
          null,
          { ...opts, length },
        );
      expectJitMatches(run, [h0]);
      expectJitMatches(
        grad((h: Tensor) => {
          const [[, cT], [, cs]] = run(h);
          return sum(cT.sin()).add(sum(cs.cos()));
        }),
        [h0],
      );
    },
  );
});

describe('grad(jit(f)) when the jitted program has scalar literal scan operands', () => {
  // Rank-0 constants are inlined into jaxprs as literals: a scalar initial carry, foriLoop's int32
  // counter, and the zero tangent jvp instantiates for a carry whose initial value is not
  // differentiated. grad(jit(f)) partially evaluates the jitted program, scan equations included.
  const cases: {
    name: string;
    f: (xs: Tensor, opts: ScanOptions) => (w: Tensor, h: Tensor) => Tensor;
  }[] = [
    {
      name: 'a closed-over scalar initial carry',
      f: (xs, opts) => (w) =>
        scan(
          (c: Tensor, x: Tensor) => [c.mul(w).add(x), c] as const,
          scalarF64(0.3),
          xs,
          opts,
        )[1].sum(),
    },
    {
      name: 'a scalar initial carry passed as an argument but not differentiated',
      f: (xs, opts) => (w, h) =>
        scan((c: Tensor, x: Tensor) => [c.mul(w).add(x), c] as const, h, xs, opts)[1].sum(),
    },
    {
      name: 'a foriLoop (int32 scalar counter)',
      f: (xs) => (w, h) =>
        foriLoop(0, xs.shape[0], (i, c: Tensor) => c.mul(w).add(i.astype('float64')), h),
    },
  ];

  describe.each(cases)('$name', ({ f }) => {
    property.prop([fc.integer({ min: 1, max: 8 }), optionsArb, fc.nat()], { numRuns: 10 })(
      'equals grad(f)',
      (length, opts, seed) => {
        const loss = f(randomTensor([length], seed, 1), opts);
        const w = scalarF64(0.7);
        const h = scalarF64(-0.4);
        expectSameTree(grad(jit(loss))(w, h), grad(loss)(w, h));
      },
    );
  });
});

describe('cond under jit', () => {
  const f = (x: Tensor, y: Tensor) =>
    cond(
      gt(sum(x), 0),
      (a: Tensor, b: Tensor) => a.sin().mul(b),
      (a: Tensor, b: Tensor) => a.mul(a).sub(b),
      x,
      y,
    );

  property.prop([fc.integer({ min: 1, max: 5 }), fc.nat()])(
    'one jitted function takes both branches on different inputs; gradients',
    (n, seed) => {
      const x = randomTensor([n], seed, 1).add(0.2);
      const y = randomTensor([n], seed + 1, 1);
      const pos = x.abs();
      const neg = x.abs().neg();
      const jf = jit(f);
      for (const u of [pos, neg, pos, neg]) expectSameTree(jf(u, y), f(u, y));
      for (const u of [pos, neg]) {
        expectJitMatches(f, [u, y]);
        expectJitMatches(
          grad((a: Tensor, b: Tensor) => f(a, b).sum(), { argnums: [0, 1] }),
          [u, y],
        );
        expectSameTree(
          grad(jit((a: Tensor, b: Tensor) => f(a, b).sum()))(u, y),
          grad((a: Tensor, b: Tensor) => f(a, b).sum())(u, y),
        );
      }
    },
  );

  test('checkGrads of jit(cond) in both branches, second order', () => {
    const x = tensor(new Float64Array([0.5, 0.7]));
    const y = tensor(new Float64Array([0.3, -0.2]));
    gradCheck(jit(f), [x, y], { order: 2 });
    gradCheck(jit(f), [x.neg(), y], { order: 2 });
  });

  property.prop([fc.integer({ min: 1, max: 5 }), fc.boolean(), fc.nat()])(
    'branches returning an operand unchanged, swapped operands, or a constant',
    (n, flag, seed) => {
      const x = randomTensor([n], seed, 1);
      const y = randomTensor([n], seed + 1, 1);
      const k = randomTensor([n], seed + 2, 1);
      const p = tensor([flag], { shape: [], dtype: 'bool' });
      const cases: ((q: Tensor, a: Tensor, b: Tensor) => unknown)[] = [
        (q, a, b) =>
          cond(
            q,
            (u: Tensor) => u,
            (u: Tensor) => u.mul(2),
            a.add(b),
          ),
        (q, a, b) =>
          cond(
            q,
            (u: Tensor, v: Tensor) => [u, v],
            (u: Tensor, v: Tensor) => [v, u],
            a,
            b,
          ),
        (q, a, b) =>
          cond(
            q,
            (u: Tensor, _v: Tensor) => u,
            (_u: Tensor, v: Tensor) => v,
            a,
            b,
          ),
        (q, a) =>
          cond(
            q,
            (_u: Tensor) => k,
            (u: Tensor) => u,
            a,
          ),
        // The operand is used again after the cond returned it.
        (q, a) => {
          const m = a.mul(2);
          const r = cond(
            q,
            (u: Tensor) => u,
            (u: Tensor) => u.add(1),
            m,
          );
          return [m.add(r), r, m];
        },
      ];
      for (const c of cases) expectJitMatches(c, [p, x, y], { untouched: k });
    },
  );

  const condInScan = (xs: Tensor, opts: ScanOptions) => (w: Tensor) =>
    sum(
      scan(
        (h: Tensor, x: Tensor) => {
          const next = cond(
            gt(x, 0),
            (a: Tensor) => a.mul(w).tanh(),
            (a: Tensor) => a.add(w),
            h,
          );
          return [next, next] as const;
        },
        scalarF64(0.3),
        xs,
        opts,
      )[1],
    );
  const condInScanArb = fc.tuple(fc.integer({ min: 1, max: 8 }), optionsArb, fc.nat());

  property.prop([condInScanArb], { numRuns: 15 })(
    'cond inside a scan body: jit(f) and jit(grad(f))',
    ([length, opts, seed]) => {
      const loss = condInScan(randomTensor([length], seed, 1), opts);
      const w = scalarF64(0.7);
      expectJitMatches(loss, [w]);
      expectJitMatches(grad(loss), [w]);
    },
  );

  property.prop([condInScanArb], { numRuns: 15 })(
    'cond inside a scan body: grad(jit(f))',
    ([length, opts, seed]) => {
      const loss = condInScan(randomTensor([length], seed, 1), opts);
      const w = scalarF64(0.7);
      expectSameTree(grad(jit(loss))(w), grad(loss)(w));
    },
  );
});

describe('whileLoop and foriLoop under jit', () => {
  type Acc = { i: Tensor; acc: Tensor; x: Tensor };

  property.prop([fc.integer({ min: 0, max: 10 }), fc.integer({ min: 1, max: 4 }), fc.nat()])(
    'a counter and an accumulator, with the trip count an argument; the x carry passes through',
    (n, width, seed) => {
      const x = randomTensor([width], seed, 1);
      const loop = (x0: Tensor, limit: Tensor) =>
        whileLoop(
          (c: Acc) => lt(c.i, limit),
          (c) => ({
            i: c.i.add(1),
            acc: c.acc.add(c.x.mul(c.i.astype('float64'))).mul(0.9),
            x: c.x,
          }),
          { i: scalarI32(0), acc: x0.mul(0), x: x0 },
        );
      expectJitMatches(loop, [x, scalarI32(n)]);
      const jf = jit(loop);
      // The same program must run a different number of iterations for different limits.
      for (const m of [n, 0, n + 3, 1]) expectSameTree(jf(x, scalarI32(m)), loop(x, scalarI32(m)));
    },
  );

  property.prop([fc.integer({ min: 1, max: 4 }), fc.nat()])(
    'a data-dependent trip count (halving until small) and swapped carries',
    (width, seed) => {
      const x = randomTensor([width], seed, 4);
      const halve = (x0: Tensor) =>
        whileLoop(
          (c: { x: Tensor; n: Tensor }) => ge(sum(c.x.mul(c.x)), 0.01),
          (c) => ({ x: c.x.mul(0.5), n: c.n.add(1) }),
          { x: x0, n: scalarF64(0) },
        );
      expectJitMatches(halve, [x]);
      const swap = (a0: Tensor, b0: Tensor) =>
        whileLoop(
          ([, , i]: [Tensor, Tensor, Tensor]) => lt(i, 5),
          ([a, b, i]) => [b, a.add(b), i.add(1)] as [Tensor, Tensor, Tensor],
          [a0, b0, scalarI32(0)] as [Tensor, Tensor, Tensor],
        );
      expectJitMatches(swap, [x, x.mul(-0.5)]);
      const [, t] = jvp(
        jit((a: Tensor) => halve(a).x),
        [x],
        [x.cos()],
      );
      expectSameTree(t, jvp((a: Tensor) => halve(a).x, [x], [x.cos()])[1]);
    },
  );

  const foriCase = (upper: number, width: number, seed: number) => {
    const h0 = randomTensor([width], seed, 1);
    const viaFori = (w: Tensor) =>
      foriLoop(
        0,
        upper,
        (i, [a, b]: [Tensor, Tensor]) =>
          [b, tanh(a.mul(w).add(i.astype('float64').mul(0.1)))] as [Tensor, Tensor],
        [h0, h0.mul(-1)] as [Tensor, Tensor],
      );
    const loss = (w: Tensor) => {
      const [a, b] = viaFori(w);
      return a.sum().add(b.square().sum());
    };
    return { h0, viaFori, loss, w: randomTensor([width], seed + 1, 1) };
  };
  const foriArb = fc.tuple(
    fc.integer({ min: 0, max: 8 }),
    fc.integer({ min: 1, max: 4 }),
    fc.nat(),
  );

  property.prop([foriArb], { numRuns: 15 })(
    'foriLoop with a swapping pair carry: jit(f) and jit(grad(f))',
    ([upper, width, seed]) => {
      const { h0, viaFori, loss, w } = foriCase(upper, width, seed);
      expectJitMatches(viaFori, [w], { untouched: h0 });
      expectJitMatches(grad(loss), [w], { untouched: h0 });
    },
  );

  property.prop([foriArb], { numRuns: 10 })(
    'foriLoop with a swapping pair carry: grad(jit(f)) and checkGrads of jit(f)',
    ([upper, width, seed]) => {
      const { loss, w } = foriCase(upper, width, seed);
      expectSameTree(grad(jit(loss))(w), grad(loss)(w));
      gradCheck(jit(loss), [w]);
    },
  );
});

describe('jit nested in control flow, and control flow in jit', () => {
  /** An Elman loss whose scan body calls jitted functions, and the same loss written eagerly. */
  const jitInBodyCase = (length: number, opts: ScanOptions, seed: number) => {
    const p: Elman = {
      wx: randomTensor([2, 3], seed),
      wh: randomTensor([3, 3], seed + 1),
      b: randomTensor([3], seed + 2, 0.1),
    };
    const xs = randomTensor([length, 2, 2], seed + 3, 1);
    const h0 = randomTensor([2, 3], seed + 4);
    const lossWith =
      (cell: (q: Elman, h: Tensor, x: Tensor) => Tensor, square: (v: Tensor) => Tensor) =>
      (q: Elman, h: Tensor) => {
        const [hT, hs] = scan(
          (c: Tensor, x: Tensor) => {
            const n = cell(q, c, x);
            return [n, square(n)] as const;
          },
          h,
          xs,
          opts,
        );
        return sum(hs).add(sum(hT));
      };
    const square = (v: Tensor) => v.mul(v);
    return {
      p,
      xs,
      h0,
      loss: lossWith(jit(elman('tanh')), jit(square)),
      eager: lossWith(elman('tanh'), square),
    };
  };
  const jitInBodyArb = fc.tuple(fc.integer({ min: 1, max: 10 }), optionsArb, fc.nat());

  property.prop([jitInBodyArb], { numRuns: 15 })(
    'jitted functions called inside a scan body, the whole loss jitted again',
    ([length, opts, seed]) => {
      const { p, xs, h0, loss, eager } = jitInBodyCase(length, opts, seed);
      expectSameTree(loss(p, h0), eager(p, h0));
      expectJitMatches(loss, [p, h0], { untouched: xs });
    },
  );

  property.prop([jitInBodyArb], { numRuns: 15 })(
    'jitted functions called inside a scan body: gradients',
    ([length, opts, seed]) => {
      const { p, xs, h0, loss, eager } = jitInBodyCase(length, opts, seed);
      expectJitMatches(grad(loss, { argnums: [0, 1] }), [p, h0], { untouched: xs });
      expectSameTree(grad(jit(loss))(p, h0), grad(eager)(p, h0));
    },
  );

  test('jit of jit of jit is inlined to the same values', () => {
    const inner = jit((x: Tensor) => x.mul(2).add(1));
    const middle = jit((x: Tensor) => inner(x).mul(inner(x.neg())));
    const x = randomTensor([2, 3], 7, 1);
    expectJitMatches((a: Tensor) => [middle(a), inner(a), a], [x]);
    expectJitMatches(
      grad((a: Tensor) => middle(a).sum()),
      [x],
    );
  });
});

describe('a jitted training step', () => {
  type Params = { wx: Tensor; wh: Tensor; b: Tensor; wo: Tensor };

  property.prop(
    [
      fc.integer({ min: 1, max: 8 }),
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 4 }),
      optionsArb,
      fc.nat(),
    ],
    { numRuns: 6 },
  )(
    'several SGD steps of a scanned RNN follow the eager trajectory; old params stay intact',
    (length, batch, hidden, opts, seed) => {
      const p0: Params = {
        wx: randomTensor([2, hidden], seed),
        wh: randomTensor([hidden, hidden], seed + 1),
        b: randomTensor([hidden], seed + 2, 0.1),
        wo: randomTensor([hidden, 1], seed + 3),
      };
      const xs = randomTensor([length, batch, 2], seed + 4, 1);
      const targets = randomTensor([length, batch, 1], seed + 5, 1);
      const h0 = randomTensor([batch, hidden], seed + 6);
      const loss = (p: Params, x: Tensor, y: Tensor) => {
        const [, outs] = scan(
          (h: Tensor, xt: Tensor) => {
            const n = tanh(matmul(xt, p.wx).add(matmul(h, p.wh)).add(p.b));
            return [n, matmul(n, p.wo)] as const;
          },
          h0,
          x,
          opts,
        );
        const err = outs.sub(y);
        return err.mul(err).mean();
      };
      const step = (p: Params, x: Tensor, y: Tensor) => {
        const [l, g] = valueAndGrad(loss)(p, x, y);
        return {
          p: tree.map((w: Tensor, gw: Tensor) => w.sub(gw.mul(0.5)), p, g) as Params,
          loss: l,
        };
      };
      const jstep = jit(step);
      let eager = p0;
      let compiled = p0;
      const history: { params: Params; values: ReturnType<typeof snapshot> }[] = [];
      for (let k = 0; k < 5; k++) {
        const e = step(eager, xs, targets);
        const c = jstep(compiled, xs, targets);
        // Five dependent steps compound any reassociation in the compiled sums, hence 1e-10.
        expectSameTree(c, e, { rtol: 1e-10, atol: 1e-12 }, `step ${k}`);
        eager = e.p;
        compiled = c.p;
        history.push({ params: compiled, values: snapshot(compiled) });
      }
      expect(jstep.cacheSize).toBe(1);
      // Each step's output is the next step's input: no later call may write into it.
      history.forEach((h, k) => {
        expectUnchanged(h.params, h.values, `params after step ${k}`);
      });
    },
  );
});
