// vmap over pytrees and its compositions: per-example gradients of a scanned RNN, vmap of scan,
// scan of vmap, nested vmap, cond/whileLoop with batched predicates, batched IR, and errors.
import {
  add,
  checkpoint,
  cond,
  foriLoop,
  grad,
  gt,
  InvalidArgumentError,
  jvp,
  lt,
  makeJaxpr,
  matmul,
  mul,
  random,
  reshape,
  ShapeError,
  scan,
  sigmoid,
  square,
  stack,
  sub,
  sum,
  type Tensor,
  TreeStructureError,
  take,
  tanh,
  tensor,
  transpose,
  tree,
  typecheckJaxpr,
  vmap,
  whileLoop,
} from '@loom/core';
import { describe, expect, test } from 'vitest';

const idx = (b: number) => tensor([b], { dtype: 'int32' });
/** Example b of x along axis 0. */
const ex = (x: Tensor, b: number) => reshape(take(x, idx(b), 0), x.shape.slice(1));

function expectClose(got: Tensor, want: Tensor, tol = 1e-5): void {
  expect(got.shape).toEqual(want.shape);
  const g = got.data();
  const w = want.data();
  for (let i = 0; i < w.length; i++) {
    if (Math.abs(g[i] - w[i]) > tol * (1 + Math.abs(w[i]))) {
      expect.fail(`element ${i}: ${g[i]} vs ${w[i]}`);
    }
  }
}

function expectTreeClose(got: unknown, want: unknown, tol = 1e-5): void {
  const g = tree.leaves<Tensor>(got);
  const w = tree.leaves<Tensor>(want);
  expect(g.length).toBe(w.length);
  g.forEach((x, i) => {
    expectClose(x, w[i], tol);
  });
}

function countPrims(jaxpr: { eqns: readonly { prim: { name: string } }[] }, name: string): number {
  return jaxpr.eqns.filter((e) => e.prim.name === name).length;
}

// ---------------------------------------------------------------------------------------------
// The W1 RNN: a binary adder (in 2, hidden 16, out 1, sigmoid hidden and output, no biases),
// scanned over 8 time steps; loss ½Σ squared error.
// ---------------------------------------------------------------------------------------------

interface Params {
  wx: Tensor;
  wh: Tensor;
  wy: Tensor;
}
interface Example {
  xs: Tensor;
  ts: Tensor;
}

function rnnLoss(p: Params, batch: Example): Tensor {
  const h0 = tensor(new Array(16).fill(0)) as Tensor;
  const [, ys] = scan(
    (h: Tensor, x: Tensor) => {
      const hNew = sigmoid(add(matmul(x, p.wx), matmul(h, p.wh)));
      return [hNew, sigmoid(matmul(hNew, p.wy))] as [Tensor, Tensor];
    },
    h0,
    batch.xs,
  );
  return mul(sum(square(sub(ys, batch.ts))), 0.5);
}

function adderData(n: number, seed: number): Example {
  const xs: number[] = [];
  const ts: number[] = [];
  let s = seed;
  for (let b = 0; b < n; b++) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const a = s % 128;
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const c = s % 128;
    const total = a + c;
    for (let t = 0; t < 8; t++) {
      xs.push((a >> t) & 1, (c >> t) & 1);
      ts.push((total >> t) & 1);
    }
  }
  return {
    xs: reshape(tensor(xs), [n, 8, 2]),
    ts: reshape(tensor(ts), [n, 8, 1]),
  };
}

function initParams(): Params {
  const [k1, k2, k3] = random.split(random.key(0), 3);
  return {
    wx: mul(random.normal(k1, [2, 16]), 0.5),
    wh: mul(random.normal(k2, [16, 16]), 0.3),
    wy: mul(random.normal(k3, [16, 1]), 0.5),
  };
}

describe('vmap ∘ grad: per-example gradients of the scanned RNN', () => {
  const params = initParams();
  const batch = adderData(5, 7);
  const loop = Array.from({ length: 5 }, (_, b) =>
    grad(rnnLoss)(params, { xs: ex(batch.xs, b), ts: ex(batch.ts, b) }),
  );

  test('vmap(grad(loss), {inAxes: [null, 0]}) equals the per-example loop', () => {
    const perExample = vmap(grad(rnnLoss), { inAxes: [null, 0] })(params, batch);
    expect(perExample.wx.shape).toEqual([5, 2, 16]);
    expect(perExample.wh.shape).toEqual([5, 16, 16]);
    expect(perExample.wy.shape).toEqual([5, 16, 1]);
    for (let b = 0; b < 5; b++) {
      expectTreeClose(
        { wx: ex(perExample.wx, b), wh: ex(perExample.wh, b), wy: ex(perExample.wy, b) },
        loop[b],
        1e-4,
      );
    }
  });

  test('a tree-prefix inAxes ({xs: 0, ts: 0}) gives the same result', () => {
    const perExample = vmap(grad(rnnLoss), { inAxes: [null, { xs: 0, ts: 0 }] })(params, batch);
    expectClose(ex(perExample.wh, 3), loop[3].wh, 1e-4);
  });

  test('grad of vmap: the gradient of the summed batched loss is the sum of per-example ones', () => {
    const total = grad((p: Params) => sum(vmap(rnnLoss, { inAxes: [null, 0] })(p, batch)))(params);
    const want = loop.reduce((acc, g) => ({
      wx: add(acc.wx, g.wx),
      wh: add(acc.wh, g.wh),
      wy: add(acc.wy, g.wy),
    }));
    expectTreeClose(total, want, 1e-4);
  });

  test('the batched forward pass is one scan with batched matmuls inside', () => {
    const prog = makeJaxpr((p: Params, b: Example) => vmap(rnnLoss, { inAxes: [null, 0] })(p, b))(
      params,
      batch,
    );
    typecheckJaxpr(prog.closed.jaxpr);
    expect(countPrims(prog.closed.jaxpr, 'scan')).toBe(1);
  });
});

describe('batched kernels', () => {
  test('vmap of a matmul by a shared weight is one dot_general and no loop', () => {
    const w = random.normal(random.key(1), [3, 4]);
    const xs = random.normal(random.key(2), [6, 3]);
    const f = (x: Tensor) => tanh(matmul(x, w));
    const prog = makeJaxpr(vmap(f))(xs);
    const eqns = prog.closed.jaxpr.eqns;
    expect(countPrims(prog.closed.jaxpr, 'dot_general')).toBe(1);
    expect(eqns.some((e) => ['scan', 'while'].includes(e.prim.name))).toBe(false);
    const dot = eqns.find((e) => e.prim.name === 'dot_general')!;
    expect(dot.outBinders[0].aval.shape).toEqual([6, 4]);
    expectClose(vmap(f)(xs), tanh(matmul(xs, w)));
  });

  test('a batch axis that is not leading still folds into the free axes (no transposes)', () => {
    const w = random.normal(random.key(1), [3, 4]);
    const xs = random.normal(random.key(2), [3, 6]);
    const prog = makeJaxpr(vmap((x: Tensor) => matmul(x, w), { inAxes: 1 }))(xs);
    expect(countPrims(prog.closed.jaxpr, 'dot_general')).toBe(1);
    expectClose(vmap((x: Tensor) => matmul(x, w), { inAxes: 1 })(xs), matmul(transpose(xs), w));
  });
});

describe('vmap with scan, cond, whileLoop and checkpoint', () => {
  const xs = random.normal(random.key(3), [4, 5, 3]); // batch 4, time 5, features 3
  const w = random.normal(random.key(4), [3, 3]);
  const step = (h: Tensor, x: Tensor): [Tensor, Tensor] => {
    const hNew = tanh(add(matmul(h, w), x));
    return [hNew, sum(hNew)];
  };
  const run = (x: Tensor) => scan(step, tensor([0, 0, 0]), x);

  test('vmap of scan equals per-example scans (carry and ys)', () => {
    const [h, ys] = vmap(run)(xs);
    expect(h.shape).toEqual([4, 3]);
    expect(ys.shape).toEqual([4, 5]);
    for (let b = 0; b < 4; b++) {
      const [hb, ysb] = run(ex(xs, b));
      expectClose(ex(h, b), hb);
      expectClose(ex(ys, b), ysb);
    }
  });

  test('vmap of scan with the batch on the time-major xs (inAxes 1) and outAxes 1', () => {
    const timeMajor = transpose(xs, [1, 0, 2]); // [5, 4, 3]
    const [h, ys] = vmap(run, { inAxes: 1, outAxes: [0, 1] })(timeMajor);
    const [hRef, ysRef] = vmap(run)(xs);
    expectClose(h, hRef);
    expectClose(ys, transpose(ysRef));
  });

  test('scan of vmap: vmap inside the scan body', () => {
    const timeMajor = transpose(xs, [1, 0, 2]); // [5, 4, 3]
    const body = (h: Tensor, x: Tensor): [Tensor, Tensor] => {
      const [hn, y] = vmap(step)(h, x);
      return [hn, y];
    };
    const [h, ys] = scan(body, reshape(tensor(new Array(12).fill(0)), [4, 3]), timeMajor);
    const [hRef, ysRef] = vmap(run)(xs);
    expectClose(h, hRef);
    expectClose(ys, transpose(ysRef));
  });

  test('vmap of vmap (nested batch axes, inner inAxes 1)', () => {
    const grid = random.normal(random.key(5), [2, 3, 4]);
    const f = (v: Tensor) => sum(mul(v, v));
    const out = vmap(vmap(f, { inAxes: 1 }))(grid); // outer over axis 0, inner over axis 2
    expect(out.shape).toEqual([2, 4]);
    expectClose(out, sum(mul(grid, grid), 1));
    const outer = vmap((a: Tensor, b: Tensor) => vmap((x: Tensor) => mul(x, b))(a), {
      inAxes: [0, null],
    });
    expectClose(outer(grid, tensor([1, 2, 3, 4])), mul(grid, tensor([1, 2, 3, 4])));
  });

  test('vmap of cond with an unbatched predicate keeps one cond', () => {
    const f = (x: Tensor, flag: Tensor) =>
      cond(
        flag,
        (a: Tensor) => mul(a, 2),
        (a: Tensor) => sub(a, 1),
        x,
      );
    const v = tensor([1, 2, 3]);
    const flag = gt(tensor(1), 0);
    expectClose(vmap(f, { inAxes: [0, null] })(v, flag), tensor([2, 4, 6]));
    const prog = makeJaxpr((a: Tensor) => vmap(f, { inAxes: [0, null] })(a, flag))(v);
    expect(countPrims(prog.closed.jaxpr, 'cond')).toBe(1);
  });

  test('vmap of cond with a batched predicate selects per lane', () => {
    const f = (x: Tensor) =>
      cond(
        gt(x, 2),
        (a: Tensor) => mul(a, 10),
        (a: Tensor) => sub(a, 1),
        x,
      );
    const v = tensor([1, 3, 5, 2]);
    expectClose(vmap(f)(v), tensor([0, 30, 50, 1]));
    // Composes with grad: d/dx per lane.
    const g = vmap(grad(f))(v);
    expectClose(g, tensor([1, 10, 10, 1]));
  });

  test('vmap of whileLoop with a batched predicate: lanes finish at different iterations', () => {
    const f = (x: Tensor) =>
      whileLoop(
        (c: [Tensor, Tensor]) => lt(c[0], 100),
        (c: [Tensor, Tensor]) => [mul(c[0], 3), add(c[1], 1)] as [Tensor, Tensor],
        [x, tensor(0)] as [Tensor, Tensor],
      );
    const [vals, counts] = vmap(f)(tensor([1, 50, 200, 4]));
    expectClose(vals, tensor([243, 150, 200, 108]));
    expectClose(counts, tensor([5, 1, 0, 3]));
  });

  test('vmap of whileLoop with an unbatched predicate (batched carry only)', () => {
    const f = (x: Tensor) => foriLoop(0, 3, (_i, c: Tensor) => add(mul(c, 2), 1), x);
    expectClose(vmap(f)(tensor([0, 1, 2])), tensor([7, 15, 23]));
    const g = (x: Tensor) =>
      whileLoop(
        (c: [Tensor, Tensor]) => lt(c[1], 3),
        (c: [Tensor, Tensor]) => [mul(c[0], 2), add(c[1], 1)] as [Tensor, Tensor],
        [x, tensor(0)] as [Tensor, Tensor],
      )[0];
    expectClose(vmap(g)(tensor([1, 2, 3])), tensor([8, 16, 24]));
    const prog = makeJaxpr(vmap(g))(tensor([1, 2, 3]));
    expect(countPrims(prog.closed.jaxpr, 'while')).toBe(1);
  });

  test('vmap of checkpoint, and grad through it', () => {
    const f = checkpoint((x: Tensor) => tanh(matmul(x, w)));
    const rows = random.normal(random.key(6), [4, 3]);
    expectClose(vmap(f)(rows), tanh(matmul(rows, w)));
    const gw = vmap(
      grad((m: Tensor, x: Tensor) => sum(f(x).mul(m))),
      { inAxes: [null, 0] },
    )(w, rows);
    expect(gw.shape).toEqual([4, 3, 3]);
    const gm = vmap(grad((x: Tensor) => sum(f(x))))(rows);
    for (let b = 0; b < 4; b++) expectClose(ex(gm, b), grad((x: Tensor) => sum(f(x)))(ex(rows, b)));
  });

  test('checkpointed reverse scan: vmap(grad) summed equals grad of the vmapped sum', () => {
    const loss = (m: Tensor, x: Tensor) => {
      const [h] = scan(
        (c: Tensor, xt: Tensor) => [tanh(add(matmul(c, m), xt)), c] as [Tensor, Tensor],
        tensor([0, 0, 0]),
        x,
        { checkpoint: true, reverse: true },
      );
      return sum(h);
    };
    const perExample = vmap(grad(loss), { inAxes: [null, 0] })(w, xs);
    expect(perExample.shape).toEqual([4, 3, 3]);
    const total = grad((m: Tensor) => sum(vmap(loss, { inAxes: [null, 0] })(m, xs)))(w);
    expectClose(total, sum(perExample, 0), 1e-4);
    expectClose(ex(perExample, 2), grad(loss)(w, ex(xs, 2)), 1e-4);
  });

  test('vmap of a Hessian-vector product (jvp of grad) over tangents', () => {
    const x0 = tensor([0.1, -0.2, 0.3]);
    const hvp = (t: Tensor) =>
      jvp(
        grad((x: Tensor) => sum(tanh(matmul(x, w)))),
        [x0],
        [t],
      )[1];
    const ts = random.normal(random.key(9), [2, 3]);
    const out = vmap(hvp)(ts);
    expectClose(ex(out, 1), hvp(ex(ts, 1)));
  });

  test('jvp of vmap and vmap of jvp agree with the per-example jvp', () => {
    const x = random.normal(random.key(7), [3, 3]);
    const t = random.normal(random.key(8), [3, 3]);
    const f = (v: Tensor) => tanh(matmul(v, w));
    const [, tOut] = jvp(vmap(f), [x], [t]);
    const tOut2 = vmap((a: Tensor, b: Tensor) => jvp(f, [a], [b])[1])(x, t);
    for (let b = 0; b < 3; b++) {
      const [, want] = jvp(f, [ex(x, b)], [ex(t, b)]);
      expectClose(ex(tOut, b), want);
      expectClose(ex(tOut2, b), want);
    }
  });
});

describe('vmap over pytrees', () => {
  test('tree inAxes, negative axes, tree outAxes and unbatched outputs', () => {
    const p = { w: tensor([1, 2]), b: tensor([[10, 20, 30]]) }; // b batched along axis -1
    const xs = tensor([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const f = (q: { w: Tensor; b: Tensor }, x: Tensor) => ({
      y: add(sum(mul(q.w, x)), q.b),
      c: sum(q.w),
    });
    const out = vmap(f, { inAxes: [{ w: null, b: -1 }, 0], outAxes: { y: -1, c: 0 } })(p, xs);
    expect(out.y.shape).toEqual([1, 3]);
    expectClose(out.y, tensor([[15, 31, 47]]));
    // An output that does not depend on the batch is broadcast to the batch.
    expectClose(out.c, tensor([3, 3, 3]));
  });

  test('static (non-tensor) leaves pass through with inAxes null', () => {
    const f = (x: Tensor, opts: { scale: number }) => mul(x, opts.scale);
    expectClose(vmap(f, { inAxes: [0, null] })(tensor([1, 2]), { scale: 3 }), tensor([3, 6]));
  });

  test('stack of per-example results equals vmap with outAxes null for unbatched outputs', () => {
    const f = (x: Tensor) => [x, tensor(7)] as const;
    const [a, c] = vmap(f, { outAxes: [0, null] })(tensor([1, 2]));
    expectClose(a, tensor([1, 2]));
    expectClose(c, tensor(7));
    expectClose(stack([tensor(1), tensor(2)]), a);
  });
});

describe('vmap errors', () => {
  const x3 = tensor([1, 2, 3]);
  const x4 = tensor([1, 2, 3, 4]);

  test('inconsistent batch sizes name the arguments and their sizes', () => {
    expect(() => vmap((a: Tensor, b: Tensor) => add(a, b))(x3, x4)).toThrow(ShapeError);
    expect(() => vmap((a: Tensor, b: Tensor) => add(a, b))(x3, x4)).toThrow(
      /argument 0: axis 0 has size 3; argument 1: axis 0 has size 4/,
    );
    expect(() => vmap((p: { u: Tensor; v: Tensor }) => add(p.u, p.v))({ u: x3, v: x4 })).toThrow(
      /argument 0 at \.u: axis 0 has size 3; argument 0 at \.v: axis 0 has size 4/,
    );
  });

  test('inAxes out of range for an argument’s rank', () => {
    expect(() => vmap((a: Tensor) => a, { inAxes: 1 })(x3)).toThrow(InvalidArgumentError);
    expect(() => vmap((a: Tensor) => a, { inAxes: 1 })(x3)).toThrow(
      /inAxes 1 for argument 0 is out of range for its shape \[3\].*-1\.\.0/,
    );
    expect(() => vmap((a: Tensor) => a, { inAxes: -2 })(x3)).toThrow(/out of range/);
    expect(() => vmap((a: Tensor) => a)(tensor(1))).toThrow(/a scalar cannot be mapped/);
  });

  test('inAxes whose structure does not match the arguments names the path', () => {
    const f = (p: { w: Tensor; b: Tensor }, x: Tensor) => add(mul(x, p.w), p.b);
    const p = { w: x3, b: x3 };
    expect(() => vmap(f, { inAxes: [{ w: null }, 0] })(p, x3)).toThrow(TreeStructureError);
    expect(() => vmap(f, { inAxes: [{ w: null }, 0] })(p, x3)).toThrow(
      /inAxes at \[0\] is an object with keys \{w\} but the value there is an object with keys \{b, w\}/,
    );
    expect(() => vmap(f, { inAxes: [0] })(p, x3)).toThrow(
      /inAxes has 1 entries but the function was called with 2 arguments/,
    );
    expect(() => vmap(f, { inAxes: [[0, 0], 0] })(p, x3)).toThrow(
      /inAxes at \[0\] is a list of length 2 but the value there is an object/,
    );
  });

  test('no batched argument', () => {
    expect(() => vmap((a: Tensor) => a, { inAxes: null })(x3)).toThrow(InvalidArgumentError);
    expect(() => vmap((a: Tensor) => a, { inAxes: [null] })(x3)).toThrow(/no argument is batched/);
    expect(vmap((a: Tensor) => a, { inAxes: null, axisSize: 2 })(x3).shape).toEqual([2, 3]);
  });

  test('outAxes null for a batched output, and a non-tensor batched leaf', () => {
    expect(() => vmap((a: Tensor) => a, { outAxes: null })(x3)).toThrow(
      /outAxes is null for the output, but that output depends on the batched inputs/,
    );
    expect(() => vmap((a: unknown) => a as Tensor)(3)).toThrow(TreeStructureError);
  });
});
