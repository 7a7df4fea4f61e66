import { describe, expect, test } from 'vitest';
import { makeJaxpr } from '../ir/make_jaxpr.js';
import { tensor } from '../tensor/create.js';
import type { Tensor } from '../tensor/tensor.js';
import { grad } from '../transforms/api.js';
import { jit } from '../transforms/jit.js';
import { scan } from './scan.js';

const f64 = (x: number[] | number[][]) => tensor(x, { dtype: 'float64' });
const xsData = Array.from({ length: 7 }, (_, t) => [Math.sin(t + 1), Math.cos(2 * t)]);
const step = (w: Tensor) => (h: Tensor, x: Tensor) => {
  const next = h.mul(w).add(x).tanh();
  return [next, { out: next.mul(2), sq: next.mul(next) }] as const;
};

/** The loop written out in plain JS (float64). */
function reference(w: number, reverse: boolean) {
  let h = [0.1, -0.2];
  const out: number[][] = new Array(7);
  const order = [...Array(7).keys()];
  for (const t of reverse ? order.reverse() : order) {
    h = h.map((v, i) => Math.tanh(v * w + xsData[t][i]));
    out[t] = h.map((v) => 2 * v);
  }
  return { h, out };
}

describe('scan unroll', () => {
  for (const reverse of [false, true]) {
    test(`unroll 1, 2, 3, 7 and 10 give the same carry and ys (${reverse ? 'reverse' : 'forward'})`, () => {
      const ref = reference(0.7, reverse);
      for (const unroll of [1, 2, 3, 7, 10]) {
        const [h, ys] = scan(step(f64([0.7, 0.7])), f64([0.1, -0.2]), f64(xsData), {
          unroll,
          reverse,
        });
        expect(Array.from(h.data())).toEqual(ref.h);
        expect(ys.out.toArray()).toEqual(ref.out);
        expect(ys.sq.shape).toEqual([7, 2]);
      }
    });
  }

  test('the body holds unroll copies of the step; grad and jit agree with unroll 1 to rounding', () => {
    const loss = (unroll: number) => (w: Tensor) =>
      scan(step(w), f64([0.1, -0.2]), f64(xsData), { unroll })[1].sq.sum();
    const jaxpr = makeJaxpr(loss(3))(f64([0.7, 0.7])).toString();
    expect((jaxpr.match(/tanh/g) ?? []).length).toBe(3 + 1); // 2 groups of 3, then 1 step
    const g1 = grad(loss(1))(f64([0.7, 0.7]));
    const g3 = grad(loss(3))(f64([0.7, 0.7]));
    // Equal up to rounding: a group's 3 contributions to dw are summed before they reach the
    // accumulator, a different association than one step at a time.
    const gap = Array.from(g3.data()).map((v, i) => Math.abs(v - g1.data()[i]));
    expect(Math.max(...gap)).toBeLessThan(1e-14);
    const jitted = jit(grad(loss(2)))(f64([0.7, 0.7]));
    const diff = Array.from(jitted.data()).map((v, i) => Math.abs(v - g1.data()[i]));
    expect(Math.max(...diff)).toBeLessThan(1e-13);
  });

  test('a scan without xs (length only) unrolls too', () => {
    const count = (unroll: number) =>
      scan((c: Tensor) => [c.add(1), c] as const, f64([0]).reshape([]), null, {
        length: 5,
        unroll,
      });
    const [c, ys] = count(2);
    expect(c.item()).toBe(5);
    expect(Array.from(ys.data())).toEqual([0, 1, 2, 3, 4]);
  });
});
