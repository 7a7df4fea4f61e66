import { describe, expect, test } from 'vitest';
import {
  checkGrads,
  grad,
  InvalidArgumentError,
  jit,
  jvp,
  matmul,
  scan,
  sigmoid,
  sin,
  sum,
  type Tensor,
  tanh,
  tensor,
  vmap,
} from '../index.js';

const f64 = (x: number[] | number[][]) => tensor(x, { dtype: 'float64' });
const same = (a: Tensor, b: Tensor, tol = 1e-12) => {
  expect(a.shape).toEqual(b.shape);
  const y = b.data();
  a.data().forEach((v, i) => {
    expect(Math.abs(v - y[i])).toBeLessThan(tol);
  });
};

type P = { w: Tensor; u: Tensor };
const rnnLoss = (p: P, xs: Tensor) => {
  const [h] = scan(
    (c: Tensor, x: Tensor) => [tanh(matmul(x, p.w).add(matmul(c, p.u))), null] as const,
    f64([[0, 0]]),
    xs,
  );
  return sum(sigmoid(h).mul(h));
};
const p: P = {
  w: f64([
    [0.3, -0.2],
    [0.1, 0.4],
  ]),
  u: f64([
    [0.5, 0.1],
    [-0.3, 0.2],
  ]),
};
const xs = tensor(
  new Float64Array(10).map((_, i) => Math.sin(i)),
  { shape: [5, 1, 2] },
);

describe('jit', () => {
  test('jit(f) equals f, and jit(grad(f)) and grad(jit(f)) equal grad(f), through a scan', () => {
    same(jit(rnnLoss)(p, xs), rnnLoss(p, xs));
    const g = grad(rnnLoss)(p, xs);
    for (const h of [jit(grad(rnnLoss))(p, xs), grad(jit(rnnLoss))(p, xs)]) {
      same(h.w, g.w);
      same(h.u, g.u);
    }
  });
  test('derivatives of a jitted function pass checkGrads to second order', () => {
    checkGrads(
      jit((x: Tensor, y: Tensor) => sin(x.mul(y)).mul(x)),
      [f64([0.3, -0.7]), f64([1.1, 0.4])],
      { order: 2 },
    );
  });
  test('jvp and vmap of jit, jit inside a scan body', () => {
    const f = jit((x: Tensor) => tanh(x).mul(x));
    const [, t] = jvp(f, [f64([0.5])], [f64([1])]);
    const th = Math.tanh(0.5);
    expect(t.item()).toBeCloseTo(th + 0.5 * (1 - th * th), 12);
    same(
      vmap(f)(
        f64([
          [0.1, 0.2],
          [0.3, 0.4],
        ]),
      ),
      tanh(
        f64([
          [0.1, 0.2],
          [0.3, 0.4],
        ]),
      ).mul(
        f64([
          [0.1, 0.2],
          [0.3, 0.4],
        ]),
      ),
    );
    const [c] = scan(
      (acc: Tensor, x: Tensor) => [acc.add(f(x)), null] as const,
      f64([0]).reshape([]),
      f64([0.1, 0.2, 0.3]),
    );
    expect(c.item()).toBeCloseTo(
      [0.1, 0.2, 0.3].reduce((s, v) => s + Math.tanh(v) * v, 0),
      12,
    );
  });
  test('traces once per signature and shows its program', () => {
    let traces = 0;
    const f = jit((x: Tensor) => {
      traces++;
      return x.mul(2);
    });
    f(f64([1, 2]));
    f(f64([3, 4]));
    expect(traces).toBe(1);
    f(f64([1, 2, 3]));
    expect(traces).toBe(2);
    expect(f.cacheSize).toBe(2);
    expect(f.lower(f64([1, 2])).toString()).toMatch(/b:f64\[2\] = mul a 2/);
  });
  test('static arguments select separate traces; non-tensor dynamic arguments are refused', () => {
    const scale = jit((x: Tensor, k: number) => x.mul(k), { staticArgnums: [1] });
    expect(scale(f64([1, 2]), 3).toArray()).toEqual([3, 6]);
    expect(scale(f64([1, 2]), 5).toArray()).toEqual([5, 10]);
    expect(scale.cacheSize).toBe(2);
    expect(() => jit((x: Tensor, k: number) => x.mul(k))(f64([1]), 2)).toThrow(
      InvalidArgumentError,
    );
    expect(() => jit((x: Tensor, k: number) => x.mul(k))(f64([1]), 2)).toThrow(
      /argument leaf 1 is number.*staticArgnums/,
    );
  });

  test('where generating JavaScript is forbidden (CSP without unsafe-eval), the JS backend interprets', () => {
    // (WebAssembly needs only 'wasm-unsafe-eval', so 'auto' would still compile to wasm here.)
    const original = globalThis.Function;
    // What a browser does under such a policy: the Function constructor throws EvalError.
    globalThis.Function = function refuse() {
      throw new EvalError('Refused to evaluate a string as JavaScript');
    } as unknown as FunctionConstructor;
    try {
      const step = jit(grad(rnnLoss), { backend: 'js' });
      same(step(p, xs).w, grad(rnnLoss)(p, xs).w);
      same(step(p, xs).u, grad(rnnLoss)(p, xs).u);
      expect(step.lower(p, xs).source).toMatch(/not compiled/);
    } finally {
      globalThis.Function = original;
    }
  });

  test('the generated source is there to read: a scan is a loop over its length', () => {
    const source = jit(grad(rnnLoss), { backend: 'js' }).lower(p, xs).source;
    expect(source).toMatch(/for \(let t\d+ = 0; t\d+ < 5; t\d+\+\+\)/);
    expect(source).toMatch(/return \[/);
    // The wasm lowering lists its module's kernel functions instead.
    const wasm = jit(grad(rnnLoss), { backend: 'wasm' }).lower(p, xs);
    expect(wasm.backend).toBe('wasm');
    expect(wasm.source).toMatch(/WebAssembly module: \d+ bytes/);
    expect(wasm.source).toMatch(/\/\/ f\d+: (fused|dot|copy)/);
  });
});
