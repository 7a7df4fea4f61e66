// The JavaScript lowering's own guarantees (every jit here asks for backend: 'js'), beyond
// `jit(f) == f` (covered by test/jit_*.test.ts): each dot_general strategy against eager, fusion and buffer reuse visible in the source.
import { describe, expect, test } from 'vitest';
import { scan } from '../control/scan.js';
import { dotGeneral, jit, matmul, random, sigmoid, sum, type Tensor, tanh } from '../index.js';
import { ConcreteTensor } from '../tensor/concrete.js';
import { compileJaxpr } from './program.js';

const keys = random.split(random.key(7), 8);
const normal = (shape: number[], i: number) => random.normal(keys[i], shape);

function expectClose(a: Tensor, b: Tensor, tol = 1e-5): void {
  expect(a.shape).toEqual(b.shape);
  const x = a.data();
  const y = b.data();
  let scale = 1;
  for (let i = 0; i < y.length; i++) scale = Math.max(scale, Math.abs(y[i]));
  for (let i = 0; i < x.length; i++) expect(Math.abs(x[i] - y[i])).toBeLessThanOrEqual(tol * scale);
}

describe('dot_general strategies', () => {
  // [lhs shape, rhs shape, contracting, batch]: small (unrolled), long K into narrow rows
  // (blocked), long K into wide rows (i-k-j), long K with a batch axis (generic loop).
  const cases: [string, number[], number[], [number[], number[]], [number[], number[]], RegExp][] =
    [
      ['unrolled', [5, 7], [7, 3], [[1], [0]], [[], []], /\[\w+ \+ 18\]/],
      [
        'blocked, contraction over a batch',
        [64, 16],
        [64, 12],
        [[0], [0]],
        [[], []],
        /let c\d+ = 0/,
      ],
      [
        'blocked, transposed right operand',
        [9, 40],
        [11, 40],
        [[1], [1]],
        [[], []],
        /let c\d+ = 0/,
      ],
      ['i-k-j for wide rows', [3, 48], [48, 40], [[1], [0]], [[], []], /\.fill\(0, /],
      ['batched, long contraction', [2, 3, 50], [2, 50, 70], [[2], [1]], [[0], [0]], /\.fill\(0, /],
    ];
  test.each(cases)('%s', (_name, ls, rs, [lc, rc], [lb, rb], shape) => {
    const lhs = normal(ls, 0);
    const rhs = normal(rs, 1);
    const f = (a: Tensor, b: Tensor) =>
      dotGeneral(a, b, { lhsContracting: lc, rhsContracting: rc, lhsBatch: lb, rhsBatch: rb });
    const jf = jit(f, { backend: 'js' });
    expect(jf.lower(lhs, rhs).source).toMatch(shape);
    expectClose(jf(lhs, rhs), f(lhs, rhs));
  });
});

describe('generated source', () => {
  test('an elementwise chain with a broadcast bias and a small matmul is one loop nest', () => {
    const f = (x: Tensor, w: Tensor, b: Tensor) => tanh(matmul(x, w).add(b)).mul(2).sub(1);
    const args = [normal([4, 3], 2), normal([3, 5], 3), normal([5], 4)] as const;
    const jf = jit(f, { backend: 'js' });
    const source = jf.lower(...args).source;
    // One output row loop and one column loop; the product, bias, tanh, scale and shift
    // are computed inside it and stored once.
    expect(source.match(/for \(/g)?.length).toBe(2);
    expect(source.match(/Math\.tanh/g)?.length).toBe(1);
    expectClose(jf(...args), f(...args));
  });

  test('temporaries share preallocated buffers by liveness', () => {
    // Each intermediate is used twice (so it is stored, not fused) and dies two steps later:
    // twelve [64] temporaries fit in a few buffers.
    const chain = (x: Tensor) => {
      let a = x;
      for (let i = 0; i < 12; i++) a = a.tanh().add(a.mul(0.5));
      return a;
    };
    const x = normal([64], 7);
    const closed = jit(chain, { backend: 'js' }).lower(x).closed;
    const program = compileJaxpr(closed.jaxpr, 'chain', [], { backend: 'js' });
    expect(program.bufferBytes).toBeLessThanOrEqual(3 * 64 * 4);
    expectClose(new ConcreteTensor(program.run([x.data()])[0], [64]), chain(x));
  });

  test('a carry updated by an elementwise step is written in place: no copy loop per step', () => {
    const cumulative = (xs: Tensor) =>
      scan((c: Tensor, x: Tensor) => [c.mul(0.9).add(x), null] as const, xs.sum(0).mul(0), xs)[0];
    const xs = normal([40, 8], 3);
    const source = jit(cumulative, { backend: 'js' }).lower(xs).source;
    const loop = source.slice(source.indexOf('for (let t'));
    const body = loop.slice(0, loop.indexOf('\n  }\n'));
    // Inside the time loop: one loop over the carry, which reads and writes the same buffer.
    expect(body.match(/for \(/g)?.length).toBe(2);
    expect(body).toMatch(/(\w+)\[(\w+)\] = [^;]*;/);
    const [, stored] = body.match(/(\w+)\[\w+\] = v\d+;/) ?? [];
    expect(body).toMatch(new RegExp(`= ${stored}\\[`));
    expectClose(jit(cumulative)(xs), cumulative(xs));
  });

  test('stacked outputs nobody uses are neither computed nor stored', () => {
    // The ys (tanh of each state) are dropped: only the final carry is returned.
    const last = (xs: Tensor) =>
      scan(
        (c: Tensor, x: Tensor) => [c.mul(0.5).add(x), c.tanh()] as const,
        xs.sum(0).mul(0),
        xs,
      )[0];
    const xs = normal([20, 4], 4);
    const jf = jit(last, { backend: 'js' });
    expect(jf.lower(xs).source).not.toMatch(/Math\.tanh/);
    expect(jf.lower(xs).toString()).toMatch(/tanh/);
    expectClose(jf(xs), last(xs));
  });

  test('a scan becomes a loop whose carry is updated in place, and buffers are reused', () => {
    const loss = (w: Tensor, xs: Tensor) => {
      const [h, ys] = scan(
        (c: Tensor, x: Tensor) => {
          const n = sigmoid(matmul(c, w).add(x));
          return [n, n.mul(n)] as const;
        },
        xs.slice([0, 0, 0], [1, 2, 6]).reshape([2, 6]),
        xs,
      );
      return sum(ys).add(sum(h));
    };
    const w = normal([6, 6], 5);
    const xs = normal([30, 2, 6], 6);
    const jf = jit(loss, { backend: 'js' });
    const lowered = jf.lower(w, xs);
    expect(lowered.source).toMatch(/for \(let t\d+ = 0; t\d+ < 30; t\d+\+\+\)/);
    expectClose(jf(w, xs), loss(w, xs));
  });
});
