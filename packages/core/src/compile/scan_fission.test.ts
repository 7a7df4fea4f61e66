// Scan fission (scan_fission.ts): the rewritten programs' structure (products hoisted before the
// loop, per-step values and accumulators sunk after it), their values on both jit lowerings
// against eager execution (which never runs the pass) in float32 and float64, and thread-count
// independence of the WebAssembly result.
import { fc, test as property } from '@fast-check/vitest';
import { describe, expect, test, vi } from 'vitest';
import {
  bits,
  cast,
  expectClose,
  gru,
  h0,
  lstm,
  normal,
  type Rnn,
  rnnAllYs,
  rnnCell,
  rnnFinal,
  rnnParams,
  squares,
  untilWorkersTakePart,
} from '../../test/recurrent_cells.js';
import type { ScanParams } from '../control/scan_primitive.js';
import {
  argmax,
  cond,
  dotGeneral,
  getThreads,
  grad,
  gt,
  type Jaxpr,
  jit,
  matmul,
  random,
  scan,
  setThreads,
  sum,
  type Tensor,
  tanh,
  transpose,
  typecheckJaxpr,
  vmap,
  zeros,
} from '../index.js';
import type { Eqn } from '../ir/jaxpr.js';
import { prune } from './prune.js';
import { fissionScans } from './scan_fission.js';

/** The program jit compiles for `f(...args)`, before and after the pass (as planProgram runs it). */
function programs<A extends unknown[]>(f: (...a: A) => unknown, args: A) {
  const before = prune(jit(f).lower(...args).closed.jaxpr);
  const after = prune(fissionScans(before));
  typecheckJaxpr(after);
  return { before, after };
}
const named = (eqns: readonly Eqn[], name: string) => eqns.filter((e) => e.prim.name === name);
const scanParams = (e: Eqn) => e.params as ScanParams;
const bodyDots = (e: Eqn) => named(scanParams(e).body.eqns, 'dot_general');
const contracting = (e: Eqn) => (e.params.lhsContracting as number[]).length;
/** The programs among an equation's parameters (scan bodies, cond branches, nested jit). */
const innerPrograms = (e: Eqn): Jaxpr[] =>
  Object.values(e.params).flatMap((v) =>
    (Array.isArray(v) ? v : [v]).filter((x): x is Jaxpr => x instanceof Object && 'eqns' in x),
  );
/** Products directly inside scan bodies, found at any depth of nesting. */
function productsInLoops(j: Jaxpr): number {
  let n = 0;
  const stack = [j];
  for (let program = stack.pop(); program; program = stack.pop()) {
    for (const e of program.eqns) {
      if (e.prim.name === 'scan') n += bodyDots(e).length;
      stack.push(...innerPrograms(e));
    }
  }
  return n;
}

/**
 * The pass rewrites `f`'s program, and jit on both lowerings equals eager `f`: float64 to 1e-12
 * of scale, float32 to 1e-4 (eager float32 sums in another order).
 */
function checkValues<A extends unknown[]>(f: (...a: A) => unknown, args64: A, rtol64 = 1e-12) {
  const { before, after } = programs(f, args64);
  expect(productsInLoops(after)).toBeLessThan(productsInLoops(before));
  for (const [dtype, rtol] of [
    ['float64', rtol64],
    ['float32', 1e-4],
  ] as const) {
    const args = cast(args64, dtype);
    const want = f(...args);
    for (const backend of ['js', 'wasm'] as const) {
      const jitted = jit(f, { backend });
      expect(jitted.lower(...args).backend).toBe(backend);
      expectClose(jitted(...args), want, rtol);
    }
  }
}

const [T, B, F, H] = [5, 3, 4, 6];
const xs = normal([T, B, F], 10, 1);

describe('structure', () => {
  test.each([
    ['the final h', rnnFinal],
    ['all ys', rnnAllYs],
  ])('grad of a tanh RNN (loss of %s): x·Wx before the loop, dW after it', (_, loss) => {
    const { before, after } = programs(grad(loss), [rnnParams(F, H), xs]);
    const [fwd, bwd] = named(after.eqns, 'scan');
    expect(named(after.eqns, 'scan')).toHaveLength(2);
    expect(scanParams(bwd).reverse).toBe(true);
    // Forward: only h·Wh stays; x·Wx runs once over [T, B, F].
    expect(bodyDots(named(before.eqns, 'scan')[0])).toHaveLength(2);
    expect(bodyDots(fwd)).toHaveLength(1);
    const outside = named(after.eqns, 'dot_general');
    const inputProjection = outside.filter(
      (e) => e.inputs.some((a) => a.aval.shape.join() === [T, B, F].join()) && contracting(e) === 1,
    );
    expect(inputProjection.map((e) => e.outBinders[0].aval.shape)).toEqual([[T, B, H]]);
    // Backward: only dh·Whᵀ stays; dWx, dWh (contracting over T and B) and db leave the loop.
    expect(bodyDots(bwd)).toHaveLength(1);
    expect(scanParams(bwd).numCarry).toBe(1);
    expect(scanParams(named(before.eqns, 'scan')[1]).numCarry).toBe(4);
    const dW = outside.filter((e) => contracting(e) === 2);
    expect(dW.map((e) => e.outBinders[0].aval.size).sort()).toEqual([F * H, H * H].sort());
    const db = named(after.eqns, 'reduce_sum').map((e) => String(e.params.axes));
    expect(db).toContain('0,1');
  });

  test('a scan with no product to move, a length-1 scan and a scan-free program are unchanged', () => {
    const w = normal([H, H], 0);
    const noProduct = (x: Tensor) =>
      scan((h: Tensor, xt: Tensor) => [tanh(matmul(h, w).add(xt)), h] as const, x.sum(0), x);
    const k = programs(noProduct, [normal([T, B, H], 1)]).before;
    expect(fissionScans(k)).toBe(k);
    const one = programs(grad(rnnFinal), [rnnParams(F, H), normal([1, B, F], 2)]).before;
    expect(named(one.eqns, 'scan')).toHaveLength(2);
    expect(fissionScans(one)).toBe(one);
    const free = programs((x: Tensor) => matmul(x, w), [normal([B, H], 3)]).before;
    expect(fissionScans(free)).toBe(free);
  });

  test('a scan inside a scan body is rewritten too', () => {
    // An outer loop over chunks [T, B, F] of x [3, T, B, F].
    const overChunks =
      (cell: (p: Rnn, h: Tensor, chunk: Tensor) => Tensor) => (p: Rnn, x: Tensor) =>
        sum(scan((h: Tensor, c: Tensor) => [cell(p, h, c), null], zeros([B, H], x.dtype), x)[0]);
    const nested = overChunks((p, h, chunk) => scan(rnnCell(p), h, chunk)[0]);
    const x4 = normal([3, T, B, F], 4, 1);
    const { before, after } = programs(nested, [rnnParams(F, H), x4]);
    const innerDots = (j: Jaxpr) =>
      bodyDots(named(scanParams(named(j.eqns, 'scan')[0]).body.eqns, 'scan')[0]);
    expect(innerDots(before)).toHaveLength(2);
    expect(innerDots(after)).toHaveLength(1);
    checkValues(grad(nested), [rnnParams(F, H), x4]);
    // An inner scan that reads only xs runs before the outer loop, under vmap, with its product.
    const prefix = overChunks((p, h, chunk) => {
      const summed = scan(
        (c: Tensor, xt: Tensor) => [c.add(xt), null],
        zeros([B, F], h.dtype),
        chunk,
      );
      return rnnCell(p)(h, summed[0])[0];
    });
    const hoisted = programs(prefix, [rnnParams(F, H), x4]).after;
    expect(named(hoisted.eqns, 'scan')).toHaveLength(2);
    checkValues(prefix, [rnnParams(F, H), x4]);
    checkValues(grad(prefix), [rnnParams(F, H), x4]);
  });

  test('scans inside nested jit calls and cond branches are rewritten too', () => {
    const p = rnnParams(F, H);
    const viaJit = programs(grad(jit(rnnFinal)), [p, xs]);
    expect(productsInLoops(viaJit.after)).toBeLessThan(productsInLoops(viaJit.before));
    expect(fissionScans(viaJit.before)).not.toBe(viaJit.before);
    checkValues(grad(jit(rnnFinal)), [p, xs]);
    const branchy = (q: Rnn, x: Tensor) =>
      cond(
        gt(sum(x), 0),
        () => rnnFinal(q, x),
        () => rnnFinal(q, x.mul(2)),
      );
    checkValues(branchy, [p, xs]);
  });

  test('an accumulated product of a hoistable value is summed, not stacked per step', () => {
    // acc += zᵀ·z with z = x_t·W: hoisting zᵀ·z before the loop would stack a [T, H, H] array.
    const w = normal([F, H], 6);
    const gram = (x: Tensor) =>
      scan(
        (acc: Tensor, xt: Tensor) => {
          const z = matmul(xt, w.astype(x.dtype));
          return [acc.add(matmul(transpose(z), z)), null] as const;
        },
        zeros([H, H], x.dtype),
        x,
      )[0];
    const { after } = programs(gram, [xs]);
    const shapes = after.eqns.flatMap((e) => e.outBinders.map((v) => v.aval.shape.join()));
    expect(shapes).not.toContain([T, H, H].join());
    expect(named(after.eqns, 'dot_general').filter((e) => contracting(e) === 2)).toHaveLength(1);
    checkValues(gram, [xs]);
  });

  test('unroll: 2 sums the two copies of dW += h_tᵀ·dz_t as products over all steps', () => {
    const loss = grad((q: Rnn, x: Tensor) => rnnAllYs(q, x, { unroll: 2 }));
    const even = normal([6, B, F], 5, 1);
    const { after } = programs(loss, [rnnParams(F, H), even]);
    const [, bwd] = named(after.eqns, 'scan');
    expect(scanParams(bwd).numCarry).toBe(1);
    // Each copy's dWx and dWh contract over the (halved) steps and the batch.
    const overSteps = named(after.eqns, 'dot_general').filter((e) => contracting(e) === 2);
    expect(overSteps).toHaveLength(4);
    checkValues(loss, [rnnParams(F, H), even]);
  });
});

/** A body with every accumulator form, a carry that accumulates but feeds the recurrence, and
 * a Δ the recurrence needs; ys of a sunk product, an int and a bool. */
type Acc = { w: Tensor; u: Tensor; v: Tensor };
const accumulating = (p: Acc, x: Tensor) => {
  const start = (s: number[]) => zeros(s, x.dtype).add(0.25); // sums must add the initial carry
  const outer = (a: Tensor, b: Tensor) =>
    dotGeneral(a, b, { lhsBatch: [0], rhsBatch: [0], lhsContracting: [], rhsContracting: [] });
  const body = (c: Tensor[], xt: Tensor) => {
    const [h, r, q, m, s1, s2, s3, s4, s5, n] = c;
    const d = matmul(h, p.v);
    const next = tanh(matmul(xt, p.w).add(matmul(h, p.u)).add(r).add(d.mul(0.5)));
    const carry = [
      next,
      r.add(matmul(h, p.u).mul(0.1)), // read by the recurrence: stays a carry
      q.add(d), // its Δ feeds the recurrence: stays a carry
      m.add(matmul(next, p.u)), // also a ys output (a running sum): stays a carry
      s1.add(matmul(transpose(h), xt)), // c + Σ product of per-step values
      sum(h.mul(xt.sum(1, true)), 0).add(s2), // Δ + c, a reduce_sum
      s3.add(transpose(transpose(outer(h, xt), [1, 2, 0]), [1, 0, 2])), // batched, 2 transposes
      s4.add(transpose(p.w)), // loop-invariant Δ
      s5.add(transpose(matmul(h, p.v))), // through a transpose
      n.add(sum(gt(h, 0))), // int32
    ];
    const readsHoisted = matmul(matmul(xt, p.w).mul(h), p.v);
    const ys = [matmul(h, transpose(p.u)), argmax(h, 1), gt(next, 0), readsHoisted, carry[3]];
    return [carry, ys] as const;
  };
  const init = [[B, H], [B, H], [B, H], [B, H], [H, F], [H], [F, H, B], [H, F], [H, B]].map(start);
  return scan(body, [...init, zeros([], 'int32').add(3)], x);
};
const accParams = (): Acc => ({
  w: normal([F, H], 20),
  u: normal([H, H], 21),
  v: normal([H, H], 22),
});

describe('values: jit on both lowerings equals eager', () => {
  test('grad of RNN, LSTM and GRU losses', () => {
    checkValues(grad(rnnFinal), [rnnParams(F, H), xs]);
    checkValues(grad(rnnAllYs), [rnnParams(F, H), xs]);
    const gated = (n: number, k: number) => rnnParams(F, H, k, n * H);
    checkValues(grad(lstm), [gated(4, 3), xs]);
    checkValues(grad(gru), [gated(3, 6), xs]);
  });

  test('reverse, unroll: 2 (with a remainder step) and checkpointed scans', () => {
    const all = [
      { reverse: true },
      { unroll: 2 },
      { unroll: 2, reverse: true },
      { checkpoint: true },
    ];
    for (const options of all) {
      checkValues(
        grad((p: Rnn, x: Tensor) => rnnAllYs(p, x, options)),
        [rnnParams(F, H), xs],
      );
    }
  });

  test('accumulators (c + Δ, Δ + c, batched, invariant, transposed, int) and carries that are not', () => {
    const { after } = programs(accumulating, [accParams(), xs]);
    // h, r, q and m stay carries; s1..s5 and n become sums after the loop.
    expect(named(after.eqns, 'scan').map((e) => scanParams(e).numCarry)).toEqual([4]);
    checkValues(accumulating, [accParams(), xs]);
    const loss = (p: Acc, x: Tensor) => {
      const [carry, ys] = accumulating(p, x);
      return sum(carry[4]).add(sum(ys[0])).add(sum(ys[3])).add(sum(ys[4]));
    };
    checkValues(grad(loss), [accParams(), xs]);
  });

  test('hoisted products: per-step operand on the right (W·x_t), loop-invariant operand (x_t·2W)', () => {
    const right = (p: Rnn, x: Tensor) => {
      const cell = (h: Tensor, xt: Tensor) =>
        [tanh(matmul(p.wx, xt).add(matmul(p.wh, h))), h] as const;
      const [h, ys] = scan(cell, zeros([H, B], x.dtype), x);
      return sum(h).add(sum(ys.mul(ys)));
    };
    const args: [Rnn, Tensor] = [
      { ...rnnParams(F, H), wx: normal([H, F], 23) },
      xs.transpose([0, 2, 1]),
    ];
    const { after } = programs(right, args);
    expect(bodyDots(named(after.eqns, 'scan')[0])).toHaveLength(1);
    // [H, F]·[T, F, B] is one product whose stacked axis is not first: [H, T, B].
    expect(named(after.eqns, 'dot_general').map((e) => e.outBinders[0].aval.shape)).toEqual([
      [H, T, B],
    ]);
    checkValues(right, args);
    checkValues(grad(right), args);
    // x_t·(2W): 2W is computed once before the loop, x_t·2W over all steps.
    const invariant = (p: Rnn, x: Tensor) => {
      const cell = (h: Tensor, xt: Tensor) => rnnCell(p)(h, matmul(xt, p.wx.mul(2)));
      return sum(scan(cell, h0(p, x), x)[1]);
    };
    const square: [Rnn, Tensor] = [rnnParams(H, H, 26), normal([T, B, H], 29)];
    const inv = programs(invariant, square).after;
    expect(named(inv.eqns, 'mul').map((e) => e.outBinders[0].aval.shape)).toEqual([[H, H]]);
    checkValues(invariant, square);
    checkValues(grad(invariant), square);
  });

  test('sunk ys dx_t = dz_t·Wᵀ (grad with respect to xs), and a scan without xs', () => {
    checkValues(grad(rnnAllYs, { argnums: [0, 1] }), [rnnParams(F, H), xs]);
    const noXs = (p: Rnn, start: Tensor) =>
      scan((h: Tensor) => [tanh(matmul(h, p.wh)), matmul(h, p.wx)] as const, start, null, {
        length: T,
      });
    const args: [Rnn, Tensor] = [rnnParams(H, H, 30), normal([B, H], 33)];
    checkValues(noXs, args);
    checkValues(
      grad((p: Rnn, s0: Tensor) => squares(noXs(p, s0))),
      args,
    );
  });

  test('vmap of the grad under jit', () => {
    const perExample = vmap(grad(rnnFinal), { inAxes: [null, 0] });
    checkValues(perExample, [rnnParams(F, H), normal([2, T, B, F], 24, 1)]);
  });

  const dim = (min: number, max: number) => fc.integer({ min, max });
  property.prop([dim(2, 6), dim(1, 3), dim(1, 4), dim(1, 4), fc.nat(1000)], { numRuns: 10 })(
    'random RNN sizes: jit gradients equal eager',
    (t, b, f, h, seed) => {
      const k = random.split(random.key(seed), 4);
      const g = (i: number, s: number[]) => random.normal(k[i], s).mul(0.7).astype('float64');
      const p = { wx: g(0, [f, h]), wh: g(1, [h, h]), b: g(2, [h]) };
      checkValues(grad(rnnAllYs), [p, g(3, [t, b, f])], 1e-10);
    },
  );
});

describe('threads', () => {
  test('the jitted WebAssembly gradient is bitwise identical on 1 and 2 threads', async () => {
    // Every product goes through the pool, the hoisted and sunk ones (T·B rows) included.
    vi.stubEnv('LOOM_PARALLEL_MIN_FLOPS', '0');
    const before = getThreads();
    const args: [Rnn, Tensor] = [rnnParams(128, 128, 34), normal([8, 32, 128], 37, 1)];
    const f32 = cast(args, 'float32');
    const step = jit(grad(rnnAllYs), { backend: 'wasm' });
    try {
      expect(productsInLoops(programs(grad(rnnAllYs), f32).after)).toBe(2);
      setThreads(1);
      const one = bits(step(...f32));
      setThreads(2);
      await untilWorkersTakePart(() => expect(bits(step(...f32))).toEqual(one));
    } finally {
      setThreads(before);
      vi.unstubAllEnvs();
    }
  });
});
