// Reductions in wasm (kernels.ts): a float sum over a contiguous kept axis runs several outputs
// at once; each output must still be the f64 sum in the JavaScript lowering's order, bit for bit.
// In both lowerings an elementwise input is computed in the reduction's loop, to the bits of
// storing it first and reducing the stored array.
import { describe, expect, test } from 'vitest';
import { exp, jit, maximum, random, type Tensor, transpose } from '../../index.js';

const bits = (t: Tensor) => Array.from(new Uint8Array(t.data().buffer));

describe('wasm sums', () => {
  test.each(['float32', 'float64'] as const)(
    '%s sums over leading and middle axes equal the JavaScript lowering bitwise',
    (dtype) => {
      // Kept sizes around the group of 8: none, a remainder only, groups and remainders.
      for (const kept of [1, 3, 8, 13, 21]) {
        const x = random.normal(random.key(kept), [7, 5, kept]).mul(1e3).astype(dtype);
        for (const axes of [[0], [0, 1], [1]]) {
          const f = (a: Tensor) => a.sum(axes);
          const want = jit(f, { backend: 'js' })(x);
          const got = jit(f, { backend: 'wasm' })(x);
          expect(got.shape).toEqual(want.shape);
          expect(bits(got), `kept ${kept}, axes ${axes}`).toEqual(bits(want));
        }
      }
    },
  );
});

/** The kernels of `f`'s WebAssembly listing (one `// fN: ...` line each). */
const kernelLines = (f: (...a: Tensor[]) => Tensor, ...args: Tensor[]) =>
  jit(f, { backend: 'wasm' })
    .lower(...args)
    .source.split('\n')
    .filter((l) => /^\/\/ f\d+:/.test(l));

/** How many kernels (`function stepN`) `f`'s JavaScript lowering has. */
const jsKernels = (f: (...a: Tensor[]) => Tensor | Tensor[], ...args: Tensor[]) =>
  jit(f, { backend: 'js' })
    .lower(...args)
    .source.match(/^function step\d+\(/gm)?.length;

describe('reductions of elementwise expressions', () => {
  const x = random.normal(random.key(7), [6, 5, 9]).mul(10);
  const bias = random.normal(random.key(8), [9]);
  const small = random.randint(random.key(9), [6, 5, 9], -50, 50);
  const cases: [string, (a: Tensor) => Tensor][] = [
    [
      'x·x in float64 (a sum of squares: the converted x read twice)',
      (a) => {
        const d = a.astype('float64');
        return d.mul(d);
      },
    ],
    ['exp(x/10) + bias (a broadcast leaf)', (a) => exp(a.div(10)).add(bias)],
    ['max(x, 0) through a transpose', (a) => transpose(maximum(a, 0), [2, 0, 1])],
    ['a float32 product', (a) => a.mul(a.add(1))],
  ];
  for (const [name, expr] of cases) {
    test.each([
      ['sum', [0, 1, 2]],
      ['sum', [1]],
      ['sum', [0, 2]],
      ['max', [2]],
      ['min', [0, 1]],
    ] as const)(`${name}: %s over %j equals materialise-then-reduce bitwise`, (op, axes) => {
      const f = (a: Tensor) => expr(a)[op]([...axes]);
      // Returning the expression too makes both lowerings store it before reducing.
      const stored = (a: Tensor) => {
        const e = expr(a);
        return [e, e[op]([...axes])];
      };
      const want = jit(stored, { backend: 'js' })(x)[1];
      for (const backend of ['js', 'wasm'] as const) {
        expect(bits(jit(stored, { backend })(x)[1]), backend).toEqual(bits(want));
        const got = jit(f, { backend })(x);
        expect(got.shape).toEqual(want.shape);
        expect(bits(got), backend).toEqual(bits(want));
      }
      // One kernel: the reduction computes its input; no array of it is written first.
      const lines = kernelLines(f, x);
      expect(lines, lines.join('\n')).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`reduce ${op} .* of `));
      // The JavaScript lowering has one kernel too (two when the expression is stored).
      expect(jsKernels(f, x)).toBe(1);
      expect(jsKernels(stored, x)).toBeGreaterThan(1);
    });
  }

  test('int32 sums of an expression wrap as the JavaScript lowering does', () => {
    const f = (a: Tensor) =>
      a
        .mul(a)
        .mul(a)
        .mul(1 << 12)
        .sum([0, 2]);
    const want = jit(f, { backend: 'js' })(small);
    expect(bits(jit(f, { backend: 'wasm' })(small))).toEqual(bits(want));
    expect(kernelLines(f, small)).toHaveLength(1);
  });

  test('an expression also read elsewhere is materialised once and read by both', () => {
    const f = (a: Tensor) => {
      const e = exp(a.div(10));
      return e.div(e.sum([2], true));
    };
    const want = jit(f, { backend: 'js' })(x);
    expect(bits(jit(f, { backend: 'wasm' })(x))).toEqual(bits(want));
    const lines = kernelLines(f, x);
    expect(lines.some((l) => / reduce sum .* of /.test(l))).toBe(false);
  });

  test('a chain of squarings stays one short kernel (each node once)', () => {
    const f = (a: Tensor) => {
      let y = a.div(100);
      for (let i = 0; i < 40; i++) y = y.mul(y);
      return y.sum();
    };
    const [line] = kernelLines(f, x);
    expect(line.match(/\bmul\b/g)).toHaveLength(40);
    const want = jit(f, { backend: 'js' })(x);
    expect(bits(jit(f, { backend: 'wasm' })(x))).toEqual(bits(want));
  });
});
