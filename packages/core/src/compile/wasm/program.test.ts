// The WebAssembly lowering against eager execution: every kernel kind (fused elementwise with
// SIMD and scalar tails, copies, fills, reductions, contractions, fallbacks) and every control
// primitive (scan forward and reversed, while, cond), in float32 and float64.
import { describe, expect, test } from 'vitest';
import { cond } from '../../control/cond.js';
import { scan } from '../../control/scan.js';
import { whileLoop } from '../../control/while_loop.js';
import {
  argmax,
  dotGeneral,
  grad,
  lt,
  makeJaxpr,
  matmul,
  max,
  random,
  sigmoid,
  sum,
  type Tensor,
  take,
  tanh,
  tensor,
} from '../../index.js';
import { ConcreteTensor } from '../../tensor/concrete.js';
import type { DType } from '../../tensor/dtype.js';
import { compileJaxpr } from '../program.js';

const keys = random.split(random.key(11), 16);
const normal = (shape: number[], i: number, dtype: DType = 'float32') =>
  random.normal(keys[i], shape).astype(dtype);

function runWasm(f: (...a: Tensor[]) => Tensor | Tensor[], args: Tensor[]): Tensor[] {
  const closed = makeJaxpr(f)(...args).closed;
  const program = compileJaxpr(closed.jaxpr, 'test', [], { backend: 'wasm' });
  expect(program.backend, program.reason).toBe('wasm');
  const consts = closed.consts.map((c) => (c as ConcreteTensor).buffer);
  const outs = program.run([...consts, ...args.map((a) => a.data())]);
  return outs.map((o, i) => new ConcreteTensor(o, closed.jaxpr.outs[i].aval.shape));
}

function expectClose(actual: Tensor, expected: Tensor, rtol: number): void {
  expect(actual.shape).toEqual(expected.shape);
  const a = actual.data();
  const e = expected.data();
  let scale = 1e-30;
  for (let i = 0; i < e.length; i++) scale = Math.max(scale, Math.abs(e[i]));
  for (let i = 0; i < e.length; i++) {
    if (Number.isNaN(e[i])) expect(Number.isNaN(a[i])).toBe(true);
    else
      expect(Math.abs(a[i] - e[i]), `element ${i}: ${a[i]} vs ${e[i]}`).toBeLessThanOrEqual(
        rtol * scale,
      );
  }
}

function check(f: (...a: Tensor[]) => Tensor | Tensor[], args: Tensor[], rtol?: number): void {
  const eager = f(...args);
  const expected = Array.isArray(eager) ? eager : [eager];
  const actual = runWasm(f, args);
  expected.forEach((e, i) => {
    expectClose(actual[i], e, rtol ?? (e.dtype === 'float64' ? 1e-12 : 2e-6));
  });
}

describe.each(['float32', 'float64'] as const)('wasm lowering, %s', (dtype) => {
  test('a fused chain with a broadcast bias, odd sizes (SIMD body and scalar tail)', () => {
    for (const n of [1, 3, 4, 7, 17, 64]) {
      const f = (x: Tensor, b: Tensor) => x.mul(2).add(b).sub(x.mul(x)).div(x.mul(x).add(1));
      check(f, [normal([5, n], 0, dtype), normal([n], 1, dtype)]);
    }
  });

  test('matrix products in every transpose form and batched', () => {
    const a = normal([9, 13], 2, dtype);
    const b = normal([13, 6], 3, dtype);
    check((x, y) => matmul(x, y), [a, b]);
    check((x, y) => matmul(x.transpose([1, 0]).transpose([1, 0]), y), [a, b]);
    const at = normal([13, 9], 4, dtype);
    check((x, y) => matmul(x.transpose([1, 0]), y), [at, b]);
    const bt = normal([6, 13], 5, dtype);
    check((x, y) => matmul(x, y.transpose([1, 0])), [a, bt]);
    const ba = normal([3, 5, 40], 6, dtype);
    const bb = normal([3, 40, 7], 7, dtype);
    check(
      (x, y) =>
        dotGeneral(x, y, {
          lhsContracting: [2],
          rhsContracting: [1],
          lhsBatch: [0],
          rhsBatch: [0],
        }),
      [ba, bb],
    );
  });

  test('reductions over leading, trailing and all axes', () => {
    const x = normal([6, 5, 9], 8, dtype);
    check((v) => sum(v, 0), [x]);
    check((v) => sum(v, [1, 2]), [x]);
    check((v) => max(v, 2), [x]);
    check((v) => v.sum(), [x]);
  });

  test('an RNN scan, its gradient (reverse scan), and copies of carries', () => {
    const w = normal([8, 8], 9, dtype).mul(0.3);
    const xs = normal([12, 3, 8], 10, dtype);
    const loss = (wt: Tensor, x: Tensor) => {
      const [h, ys] = scan(
        (c: Tensor, xt: Tensor) => {
          const n = tanh(matmul(c, wt).add(xt));
          return [n, sigmoid(n)] as const;
        },
        x.slice([0, 0, 0], [1, 3, 8]).reshape([3, 8]).mul(0),
        x,
      );
      return sum(ys).add(sum(h.mul(h)));
    };
    check(loss, [w, xs], dtype === 'float32' ? 1e-5 : 1e-12);
    check((a, b) => grad(loss)(a, b), [w, xs], dtype === 'float32' ? 2e-5 : 1e-11);
  });

  test('while loops, conds and fallbacks (gather, argmax)', () => {
    const x = normal([10], 11, dtype);
    const halve = (v: Tensor) =>
      whileLoop(
        (c: Tensor) => lt(1, c.abs().sum()),
        (c: Tensor) => c.mul(0.5),
        v,
      );
    check(halve, [x]);
    const branch = (v: Tensor) =>
      cond(
        lt(v.sum(), 0),
        (u: Tensor) => u.mul(2),
        (u: Tensor) => u.sub(1),
        v,
      );
    check(branch, [x]);
    check(branch, [x.neg()]);
    const idx = tensor([3, 1, 4, 1, 5], { dtype: 'int32' });
    check((v) => take(v, idx).mul(2).add(argmax(v).astype(dtype)), [x]);
  });
});

describe('threads', () => {
  test('a jitted RNN training step gives bitwise equal results on 1 and 2 threads', async () => {
    const { jit, getThreads, setThreads, valueAndGrad } = await import('../../index.js');
    const { pool } = await import('../../runtime/pool.js');
    // [32,256]·[256,256] per step: 4 MFLOP, above the threshold from which products split.
    const w = normal([256, 256], 12).mul(0.05);
    const xs = normal([6, 32, 256], 13);
    const loss = (wt: Tensor, x: Tensor) =>
      sum(
        scan(
          (c: Tensor, xt: Tensor) => [tanh(matmul(c, wt).add(xt)), null] as const,
          x.slice([0, 0, 0], [1, 32, 256]).reshape([32, 256]),
          x,
        )[0],
      );
    const step = jit((wt: Tensor, x: Tensor) => valueAndGrad(loss)(wt, x), { backend: 'wasm' });
    const before = getThreads();
    const bits = (ts: readonly Tensor[]) =>
      ts.map((t) => Array.from(new Uint32Array(t.data().buffer)));
    try {
      setThreads(1);
      const one = bits(step(w, xs) as Tensor[]);
      setThreads(2);
      const onWorkers = pool().stats().tasksOnWorkers;
      // Workers start lazily (tens of ms) and are never waited for: repeat until one took tasks.
      for (let r = 0; r < 200 && pool().stats().tasksOnWorkers === onWorkers; r++) {
        expect(bits(step(w, xs) as Tensor[])).toEqual(one);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      expect(pool().stats().tasksOnWorkers).toBeGreaterThan(onWorkers);
      expect(bits(step(w, xs) as Tensor[])).toEqual(one);
    } finally {
      setThreads(before);
    }
  });
});

describe('limits', () => {
  test('a program whose buffers exceed wasm memory falls back to JavaScript and says why', async () => {
    const { jit, zeros } = await import('../../index.js');
    // Stacks 2^28 steps of 4 float32: 4 GiB of ys, beyond memory32. Only compiled, never run.
    const huge = (c0: Tensor) =>
      scan((c: Tensor) => [c.add(1), c.mul(2)] as const, c0, null, { length: 2 ** 28 })[1];
    const lowered = jit(huge, { backend: 'wasm' }).lower(zeros([4]));
    expect(lowered.backend).toBe('js');
    expect(lowered.backendReason).toMatch(/do not fit in wasm memory/);
  });
});

describe('accumulating products', () => {
  test('a product added to its output is one GEMM accumulating into it', async () => {
    const { jit } = await import('../../index.js');
    const [c, a, b] = [normal([16, 40], 4), normal([16, 24], 5), normal([24, 40], 6)];
    const f = jit((ct: Tensor, at: Tensor, bt: Tensor) => ct.add(matmul(at, bt)), {
      backend: 'wasm',
    });
    expect(f.lower(c, a, b).source).toMatch(
      /dot float32\[16,24\] x float32\[24,40\] \+= float32\[16,40\]/,
    );
    expectClose(f(c, a, b), c.add(matmul(a, b)), 1e-5);
  });
  test('a weight gradient summed over time steps is one GEMM over all steps, after the loop', async () => {
    const { jit, zeros } = await import('../../index.js');
    const w = normal([24, 40], 14).mul(0.2);
    const xs = normal([7, 16, 24], 15);
    const loss = (wt: Tensor, x: Tensor) =>
      sum(
        scan(
          (c: Tensor, xt: Tensor) => {
            const h = tanh(matmul(xt, wt));
            return [c.add(h.sum()), h.mul(h)] as const;
          },
          zeros([]),
          x,
        )[1],
      );
    const g = jit((a: Tensor, b: Tensor) => grad(loss)(a, b), { backend: 'wasm' });
    // Scan fission: the backward scan's dW += x_tᵀ·dz_t becomes Σ_t over [T·B] rows, one GEMM.
    expect(g.lower(w, xs).source).toMatch(
      /dot float32\[7,16,40\] x float32\[7,16,24\] -> float32\[40,24\]/,
    );
    expectClose(g(w, xs), grad(loss)(w, xs), 2e-5);
  });
  test('a product over a batch-major view of a time-major stack copies the view once, then runs one GEMM', async () => {
    const { jit } = await import('../../index.js');
    const ys = normal([8, 4, 16], 1); // [T, B, H], as a scan stacks them
    const w = normal([16, 10], 2);
    const dLogits = normal([4, 8, 10], 3);
    // Forward: [B, T, H]·[H, V]; weight gradient: the contraction over both B and T.
    const forward = (y: Tensor, wt: Tensor) => matmul(y.transpose([1, 0, 2]), wt);
    const weightGrad = (y: Tensor, d: Tensor) =>
      matmul(y.transpose([1, 0, 2]).reshape([32, 16]).transpose([1, 0]), d.reshape([32, 10]));
    const f = jit(forward, { backend: 'wasm' });
    const g = jit(weightGrad, { backend: 'wasm' });
    expect(f.lower(ys, w).source).toMatch(
      /copy float32\[4,8,16\] -> float32\[4,8,16\]\n.*dot float32\[4,8,16\] x float32\[16,10\]/,
    );
    expect(g.lower(ys, dLogits).source).toMatch(/copy float32\[4,8,16\] -> float32\[4,8,16\]/);
    expectClose(f(ys, w), forward(ys, w), 1e-5);
    expectClose(g(ys, dLogits), weightGrad(ys, dLogits), 1e-5);
  });
});

describe('inputs already in the arena', () => {
  // A loop whose carry starts from an input and is updated in place: if any kernel wrote the
  // input's region, a call that skips copying an unchanged input would start from a stale carry.
  const stepSum = (w: Tensor, h0: Tensor) =>
    sum(
      scan((h: Tensor, _x: null) => [tanh(matmul(h, w)).add(h), h] as const, h0, null, {
        length: 5,
      })[0],
    );

  test('an unchanged input is copied in once; a new array is copied, also when an old one comes back', async () => {
    const { jit } = await import('../../index.js');
    const { heap } = await import('../../runtime/heap.js');
    const w = normal([12, 12], 7).mul(0.3);
    const [h1, h2] = [normal([3, 12], 8), normal([3, 12], 9)];
    const f = jit(stepSum, { backend: 'wasm' });
    const first = new Map([h1, h2].map((h) => [h, f(w, h).item()]));
    const set = Float32Array.prototype.set;
    let copied: number[] = [];
    Float32Array.prototype.set = function (
      this: Float32Array,
      src: ArrayLike<number>,
      at?: number,
    ) {
      if (this.buffer === heap.memory.buffer) copied.push(src.length);
      return set.call(this, src, at);
    };
    try {
      for (const [h, expected] of [
        [h1, [36]], // the arena holds h2 (the last call's)
        [h1, []],
        [h2, [36]],
        [h1, [36]],
      ] as const) {
        copied = [];
        const got = f(w, h).item();
        expect(copied, 'elements copied into wasm memory').toEqual(expected);
        expect(Object.is(got, first.get(h)), `${got} against ${first.get(h)}`).toBe(true);
      }
    } finally {
      Float32Array.prototype.set = set;
    }
    for (const h of [h1, h2]) expectClose(tensor(first.get(h)!), stepSum(w, h), 1e-5);
  });
});
