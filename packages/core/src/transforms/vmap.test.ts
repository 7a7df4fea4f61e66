import { describe, expect, test } from 'vitest';
import { NotDifferentiableError } from '../errors.js';
import {
  add,
  makeJaxpr,
  matmul,
  mul,
  random,
  scan,
  sum,
  type Tensor,
  take,
  tanh,
  tensor,
  vmap,
} from '../index.js';
import { evalJaxpr } from '../ir/eval.js';
import { traceToJaxpr } from '../ir/staging.js';
import { ShapedArray } from '../tensor/aval.js';
import { ConcreteTensor } from '../tensor/concrete.js';
import { definePrimitive } from '../trace/primitive.js';
import { bind1 } from '../trace/trace.js';
import { batchFlat, vmapJaxpr } from './vmap.js';

describe('vmapJaxpr and batchFlat', () => {
  const body = traceToJaxpr(
    (w: Tensor, x: Tensor) => [tanh(matmul(x, w)), sum(w)],
    [new ShapedArray([2, 2], 'float32'), new ShapedArray([2], 'float32')],
  ).jaxpr;

  test('batches only the marked inputs and reports which outputs are batched', () => {
    const r = vmapJaxpr(body, 3, [false, true], [false, false]);
    expect(r.outBatched).toEqual([true, false]);
    expect(r.jaxpr.inAvals.map(String)).toEqual(['f32[2,2]', 'f32[3,2]']);
    expect(r.jaxpr.outAvals.map(String)).toEqual(['f32[3,2]', 'f32[]']);
  });

  test('instantiate forces an unbatched output to be broadcast along the batch', () => {
    const r = vmapJaxpr(body, 3, [false, true], [false, true]);
    expect(r.outBatched).toEqual([true, true]);
    const w = tensor([
      [1, 2],
      [3, 4],
    ]);
    const xs = tensor([
      [1, 0],
      [0, 1],
      [1, 1],
    ]);
    const [y, s] = evalJaxpr(r.jaxpr.jaxpr, [...r.jaxpr.consts, w, xs]);
    expect(s.toArray()).toEqual([10, 10, 10]);
    expect(y.shape).toEqual([3, 2]);
  });

  test('batchFlat reports null dims for outputs independent of the batch', () => {
    const [outs, dims] = batchFlat(
      (x, c) => [mul(x, c), add(c, 1)],
      2,
      [tensor([[1, 2]]), tensor(3)],
      [1, null],
    );
    expect(dims).toEqual([1, null]);
    expect(outs[0].toArray()).toEqual([[3, 6]]);
  });
});

describe('rules without a batch rule, and batched random keys', () => {
  test('a primitive without a batching rule raises NotDifferentiableError naming it', () => {
    const noRule = definePrimitive({
      name: 'mystery',
      abstractEval: ([x]) => [x],
      impl: ([x]) => [new ConcreteTensor(x.buffer, x.shape)],
    });
    const f = (x: Tensor) => bind1(noRule, [x], {});
    expect(() => vmap(f)(tensor([1, 2]))).toThrow(NotDifferentiableError);
    expect(() => vmap(f)(tensor([1, 2]))).toThrow(/mystery has no batching rule/);
    // Unbatched values never need the rule.
    expect(
      vmap((x: Tensor, c: Tensor) => add(x, f(c)), { inAxes: [0, null] })(
        tensor([1, 2]),
        tensor(1),
      ).toArray(),
    ).toEqual([2, 3]);
  });

  test('each key in a batch draws exactly what it draws alone', () => {
    const keys = random.split(random.key(3), 3);
    const stacked = vmap((k: Tensor) => random.normal(k, [2]))(
      tensor(
        keys.flatMap((k) => [...k.data()]),
        { dtype: 'int32' },
      ).reshape([3, 2]),
    );
    keys.forEach((k, b) => {
      expect(take(stacked, [b]).reshape([2]).toArray()).toEqual(random.normal(k, [2]).toArray());
    });
  });

  test('gather with batched operand and indices is one gather', () => {
    const xs = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const is = tensor(
      [
        [2, 0],
        [1, 1],
      ],
      { dtype: 'int32' },
    );
    const f = vmap((x: Tensor, i: Tensor) => take(x, i));
    expect(f(xs, is).toArray()).toEqual([
      [3, 1],
      [5, 5],
    ]);
    const prog = makeJaxpr(f)(xs, is);
    expect(prog.closed.jaxpr.eqns.filter((e) => e.prim.name === 'gather').length).toBe(1);
  });

  test('scan with a carry that becomes batched only through the body (fixpoint)', () => {
    // The carry starts unbatched; the body mixes in a batched const, so it must become batched.
    const f = (c: Tensor) =>
      scan((h: Tensor, _x: null) => [add(h, c), h] as [Tensor, Tensor], tensor(0), null, {
        length: 3,
      });
    const [h, ys] = vmap(f)(tensor([1, 2]));
    expect(h.toArray()).toEqual([3, 6]);
    expect(ys.toArray()).toEqual([
      [0, 1, 2],
      [0, 2, 4],
    ]);
  });
});
