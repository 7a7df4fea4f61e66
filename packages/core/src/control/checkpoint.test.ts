// Reverse mode through checkpoint(f) when f holds control flow (issue 13, item 2): every
// transformation must give what the same function gives without checkpoint, and both must match
// float64 finite differences.
import { describe, expect, test } from 'vitest';
import {
  checkGrads,
  checkpoint,
  cond,
  foriLoop,
  grad,
  gt,
  jit,
  scalar,
  scan,
  sin,
  stack,
  sum,
  type Tensor,
  tanh,
  tensor,
  valueAndGrad,
  vjp,
  vmap,
} from '../index.js';

const f64 = (x: number[] | number[][]) => tensor(x, { dtype: 'float64' });
type Wrap = (g: (y: Tensor) => Tensor) => (y: Tensor) => Tensor;
const plain: Wrap = (g) => g;
const remat: Wrap = (g) => checkpoint(g);

const xs = f64([
  [0.3, -0.2, 0.5],
  [-0.4, 0.1, 0.2],
  [0.25, 0.6, -0.3],
]);
const weights = f64([0.7, -1.3, 0.4]);

/** Bodies holding control flow; `wrap` is applied to the part that holds it. */
const bodies: Record<string, (wrap: Wrap) => (y: Tensor) => Tensor> = {
  cond: (wrap) => wrap((y) => cond(gt(sum(y), 0), tanh, sin, y)),
  'cond, false branch': (wrap) => wrap((y) => cond(gt(sum(y), 10), tanh, sin, y)),
  scan: (wrap) =>
    wrap((y) => {
      const [c, ys] = scan(
        (c: Tensor, x: Tensor) => {
          const n = tanh(c.mul(x).add(y));
          return [n, sin(n).mul(c)] as const;
        },
        y,
        xs,
      );
      return c.add(ys.sum(0));
    }),
  foriLoop: (wrap) =>
    wrap((y) => foriLoop(0, 3, (_, c: Tensor) => tanh(c.mul(y)).add(sin(c)), y.mul(0.5))),
  'nested checkpoint': (wrap) =>
    wrap((y) => wrap((z: Tensor) => cond(gt(sum(z), 0), tanh, sin, z.mul(z)))(sin(y)).mul(y)),
  'jit inside': (wrap) =>
    wrap((y) => jit((z: Tensor) => cond(gt(sum(z), 0), (w: Tensor) => tanh(w).mul(w), sin, z))(y)),
  'scan with checkpoint option': (wrap) =>
    wrap(
      (y) =>
        scan((c: Tensor, x: Tensor) => [tanh(c.add(x)), c] as const, y, xs, {
          checkpoint: true,
        })[0],
    ),
};

const loss = (body: (y: Tensor) => Tensor) => (y: Tensor) => sum(body(y).mul(weights));

/** The transformations checkpoint must compose with, each producing one tensor. */
const drivers: Record<string, (f: (y: Tensor) => Tensor, y: Tensor) => Tensor> = {
  grad: (f, y) => grad(f)(y),
  valueAndGrad: (f, y) => {
    const [v, g] = valueAndGrad(f)(y);
    return g.add(v);
  },
  vjp: (f, y) => {
    const [out, pullback] = vjp(f, y);
    return pullback(scalar(1.5, 'float64'))[0].add(out);
  },
  'jit(grad)': (f, y) => jit(grad(f))(y),
  'grad(jit)': (f, y) => grad(jit(f))(y),
  'vmap(grad)': (f, y) => vmap(grad(f))(stack([y, y.mul(-0.5)])),
  'grad(grad) (sum of the Hessian rows)': (f, y) => grad((z: Tensor) => sum(grad(f)(z)))(y),
};

const y0 = f64([0.5, -0.2, 0.3]);

describe('reverse mode through checkpoint with control flow', () => {
  test('the issue example: grad of checkpointed cond equals 1 - tanh(0.5)²', () => {
    const g = grad((x: Tensor) => checkpoint((y: Tensor) => cond(gt(y, 0), tanh, sin, y))(x))(
      scalar(0.5, 'float64'),
    );
    expect(g.item()).toBeCloseTo(1 - Math.tanh(0.5) ** 2, 14);
  });
  for (const [bodyName, body] of Object.entries(bodies)) {
    for (const [driverName, drive] of Object.entries(drivers)) {
      test(`${bodyName} under ${driverName} equals the same function without checkpoint`, () => {
        const want = Array.from(drive(loss(body(plain)), y0).data());
        const got = Array.from(drive(loss(body(remat)), y0).data());
        expect(got.length).toBe(want.length);
        got.forEach((v, i) => {
          expect(v).toBeCloseTo(want[i], 12);
        });
      });
    }
    test(`${bodyName}: checkpointed gradients match finite differences (order 2)`, () => {
      expect(() => checkGrads(loss(body(remat)), [y0], { order: 2 })).not.toThrow();
    });
  }
});
