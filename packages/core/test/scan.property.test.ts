// Scan conformance: grad/jvp of scan equal grad/jvp of the same computation written as a plain
// JS loop, over random cells, lengths, batch sizes and every scan option (float64 throughout).
import { fc, test as property } from '@fast-check/vitest';
import {
  concat,
  grad,
  jvp,
  matmul,
  relu,
  scan,
  sigmoid,
  sum,
  type Tensor,
  tanh,
  tensor,
} from '@loom/core';
import { describe, expect, test } from 'vitest';

type Act = 'tanh' | 'sigmoid' | 'relu';
const act = (a: Act, x: Tensor) =>
  a === 'tanh' ? tanh(x) : a === 'sigmoid' ? sigmoid(x) : relu(x);

function randomTensor(shape: number[], seed: number, scale = 0.5): Tensor {
  let s = seed >>> 0;
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = (s / 2 ** 32 - 0.5) * 2 * scale;
  }
  return tensor(data, { shape });
}

function maxDiff(a: Tensor, b: Tensor): number {
  const x = a.data();
  const y = b.data();
  let m = 0;
  x.forEach((v, i) => {
    m = Math.max(m, Math.abs(v - y[i]));
  });
  return m;
}

type Elman = { wx: Tensor; wh: Tensor; b: Tensor };
const elman = (a: Act) => (p: Elman, h: Tensor, x: Tensor) =>
  act(a, matmul(x, p.wx).add(matmul(h, p.wh)).add(p.b));

type Lstm = { w: Tensor; b: Tensor };
// The classic LSTM written with core ops: gates from [h, x], C = f∘C + i∘C̃, h = o∘tanh(C).
const lstm = (hidden: number) => (p: Lstm, state: { h: Tensor; c: Tensor }, x: Tensor) => {
  const z = matmul(concat([state.h, x], 1), p.w).add(p.b);
  const gate = (k: number) =>
    z.reshape([z.shape[0], 4, hidden]).take([k], 1).reshape([z.shape[0], hidden]);
  const f = sigmoid(gate(0));
  const i = sigmoid(gate(1));
  const cTilde = tanh(gate(2));
  const o = sigmoid(gate(3));
  const c = f.mul(state.c).add(i.mul(cTilde));
  return { h: o.mul(tanh(c)), c };
};

const options = fc.record({
  reverse: fc.boolean(),
  unroll: fc.constantFrom(1, 2, 3),
  checkpoint: fc.boolean(),
});

describe('scan equals a plain loop', () => {
  property.prop(
    [
      fc.constantFrom<Act>('tanh', 'sigmoid', 'relu'),
      fc.integer({ min: 1, max: 20 }),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 3 }),
      options,
      fc.nat(),
    ],
    { numRuns: 30 },
  )('Elman cells: grad and jvp', (a, length, batch, hidden, input, opts, seed) => {
    const cell = elman(a);
    const p: Elman = {
      wx: randomTensor([input, hidden], seed),
      wh: randomTensor([hidden, hidden], seed + 1),
      b: randomTensor([hidden], seed + 2, 0.1),
    };
    const xs = randomTensor([length, batch, input], seed + 3, 1);
    const h0 = randomTensor([batch, hidden], seed + 4);
    const viaScan = (q: Elman, h: Tensor, x: Tensor) => {
      const [hT, hs] = scan(
        (c: Tensor, xt: Tensor) => {
          const n = cell(q, c, xt);
          return [n, n.mul(n)] as const;
        },
        h,
        x,
        opts,
      );
      return sum(hs).add(sum(hT.mul(0.5)));
    };
    const viaLoop = (q: Elman, h: Tensor, x: Tensor) => {
      let c = h;
      let total = sum(h.mul(0));
      const order = Array.from({ length }, (_, t) => (opts.reverse ? length - 1 - t : t));
      for (const t of order) {
        c = cell(q, c, x.take([t], 0).reshape([batch, input]));
        total = total.add(sum(c.mul(c)));
      }
      return total.add(sum(c.mul(0.5)));
    };
    const gs = grad(viaScan, { argnums: [0, 1, 2] })(p, h0, xs);
    const gl = grad(viaLoop, { argnums: [0, 1, 2] })(p, h0, xs);
    for (const k of ['wx', 'wh', 'b'] as const)
      expect(maxDiff(gs[0][k], gl[0][k])).toBeLessThan(1e-10);
    expect(maxDiff(gs[1], gl[1])).toBeLessThan(1e-10);
    expect(maxDiff(gs[2], gl[2])).toBeLessThan(1e-10);
    const tangent: Elman = { wx: p.wh.sum().mul(p.wx), wh: p.wh.mul(-1), b: p.b };
    const [, ts] = jvp(viaScan, [p, h0, xs], [tangent, h0, xs.mul(0.3)]);
    const [, tl] = jvp(viaLoop, [p, h0, xs], [tangent, h0, xs.mul(0.3)]);
    expect(Math.abs(ts.item() - tl.item())).toBeLessThan(1e-10);
  });

  property.prop(
    [
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 3 }),
      options,
      fc.nat(),
    ],
    { numRuns: 15 },
  )('an LSTM cell written with core ops: grad', (length, batch, hidden, opts, seed) => {
    const input = 2;
    const cell = lstm(hidden);
    const p: Lstm = {
      w: randomTensor([hidden + input, 4 * hidden], seed),
      b: randomTensor([4 * hidden], seed + 1, 0.1),
    };
    const xs = randomTensor([length, batch, input], seed + 2, 1);
    const s0 = {
      h: randomTensor([batch, hidden], seed + 3),
      c: randomTensor([batch, hidden], seed + 4),
    };
    const viaScan = (q: Lstm) => {
      const [sT, hs] = scan(
        (s: { h: Tensor; c: Tensor }, x: Tensor) => {
          const n = cell(q, s, x);
          return [n, n.h] as const;
        },
        s0,
        xs,
        opts,
      );
      return sum(hs.mul(hs)).add(sum(sT.c));
    };
    const viaLoop = (q: Lstm) => {
      let s = s0;
      let total = sum(s0.h.mul(0));
      const order = Array.from({ length }, (_, t) => (opts.reverse ? length - 1 - t : t));
      for (const t of order) {
        s = cell(q, s, xs.take([t], 0).reshape([batch, input]));
        total = total.add(sum(s.h.mul(s.h)));
      }
      return total.add(sum(s.c));
    };
    const gs = grad(viaScan)(p);
    const gl = grad(viaLoop)(p);
    expect(maxDiff(gs.w, gl.w)).toBeLessThan(1e-10);
    expect(maxDiff(gs.b, gl.b)).toBeLessThan(1e-10);
  });

  property.prop(
    [fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 4 }), options, fc.nat()],
    {
      numRuns: 15,
    },
  )('nested scans (scan inside scan) and grad of grad', (outer, inner, opts, seed) => {
    const w = randomTensor([2, 2], seed);
    const xs = randomTensor([outer, inner, 1, 2], seed + 1, 1);
    const h0 = randomTensor([1, 2], seed + 2);
    const innerScan = (q: Tensor, h: Tensor, seq: Tensor) =>
      scan((c: Tensor, x: Tensor) => [tanh(matmul(c, q).add(x)), null] as const, h, seq, opts)[0];
    const viaScan = (q: Tensor) =>
      sum(
        scan(
          (h: Tensor, seq: Tensor) => {
            const n = innerScan(q, h, seq);
            return [n, n] as const;
          },
          h0,
          xs,
          { reverse: opts.reverse },
        )[1],
      );
    const viaLoop = (q: Tensor) => {
      let h = h0;
      let total = sum(h0.mul(0));
      const outerOrder = Array.from({ length: outer }, (_, t) =>
        opts.reverse ? outer - 1 - t : t,
      );
      const innerOrder = Array.from({ length: inner }, (_, t) =>
        opts.reverse ? inner - 1 - t : t,
      );
      for (const t of outerOrder) {
        for (const u of innerOrder)
          h = tanh(matmul(h, q).add(xs.take([t], 0).take([u], 1).reshape([1, 2])));
        total = total.add(sum(h));
      }
      return total;
    };
    expect(maxDiff(grad(viaScan)(w), grad(viaLoop)(w))).toBeLessThan(1e-10);
    const second = (f: (q: Tensor) => Tensor) => grad((q: Tensor) => sum(grad(f)(q).mul(q)))(w);
    expect(maxDiff(second(viaScan), second(viaLoop))).toBeLessThan(1e-9);
  });
});

describe('the IR of scan does not grow with length', () => {
  test('the body is traced exactly once whatever the length', () => {
    for (const length of [10, 1000]) {
      let calls = 0;
      const xs = tensor(new Float64Array(length * 2), { shape: [length, 2] });
      const loss = (w: Tensor) =>
        sum(
          scan(
            (h: Tensor, x: Tensor) => {
              calls++;
              return [tanh(h.mul(w).add(x)), null] as const;
            },
            tensor([0, 0], { dtype: 'float64' }),
            xs,
          )[0],
        );
      grad(loss)(tensor([0.5, 0.5], { dtype: 'float64' }));
      expect(calls).toBe(1);
    }
  });
});
