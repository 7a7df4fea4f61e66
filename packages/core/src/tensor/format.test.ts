// Tensor printing against numpy: every expected body below is what numpy 2 printed for the same
// array (`repr(np.array(...))` with the `array(` prefix and the dtype suffix removed), so the
// conventions checked (widths, precision, scientific switch, wrapping, summarising) are numpy's.
import { inspect } from 'node:util';
import { describe, expect, test } from 'vitest';
import { arange, grad, jit, makeJaxpr, reshape, type Tensor, tensor, vmap } from '../index.js';
import type { DType, TypedArray } from './dtype.js';
import { formatValues } from './format.js';

const numpyBody = (buffer: TypedArray, shape: number[], dtype: DType) =>
  formatValues(buffer, shape, dtype, 'array(');

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('formatValues follows numpy', () => {
  test.each([
    [
      'float32 integers',
      new Float32Array([1, 2, 3, 4]),
      [2, 2],
      'float32',
      '[[1., 2.],\n       [3., 4.]]',
    ],
    [
      'a shared fraction width, padded with spaces',
      new Float64Array([1.5, 2.25]),
      [2],
      'float64',
      '[1.5 , 2.25]',
    ],
    ['a shared integer width', new Float64Array([-1.5, 10]), [2], 'float64', '[-1.5, 10. ]'],
    ['float32 shortest digits', new Float32Array([0.1, 0.2]), [2], 'float32', '[0.1, 0.2]'],
    ['float64 capped at 8 digits', new Float64Array([1 / 3]), [1], 'float64', '[0.33333333]'],
    ['float32 capped at 8 digits', new Float32Array([1 / 3]), [1], 'float32', '[0.33333334]'],
    ['scientific below 1e-4', new Float64Array([1e-5, 1]), [2], 'float64', '[1.e-05, 1.e+00]'],
    [
      'scientific, zero-padded',
      new Float64Array([1.5e-5, 1]),
      [2],
      'float64',
      '[1.5e-05, 1.0e+00]',
    ],
    [
      'scientific from 1e8',
      new Float64Array([1e10, 1, -2.5]),
      [3],
      'float64',
      '[ 1.0e+10,  1.0e+00, -2.5e+00]',
    ],
    [
      'nan and infinities',
      new Float64Array([Number.NaN, 1, -Infinity]),
      [3],
      'float64',
      '[ nan,   1., -inf]',
    ],
    ['negative zero', new Float64Array([-0, 1]), [2], 'float64', '[-0.,  1.]'],
    ['bool as true/false', new Uint8Array([1, 0]), [2], 'bool', '[ true, false]'],
    [
      'int32 without decimals',
      new Int32Array(range(24)),
      [2, 3, 4],
      'int32',
      '[[[ 0,  1,  2,  3],\n        [ 4,  5,  6,  7],\n        [ 8,  9, 10, 11]],\n\n' +
        '       [[12, 13, 14, 15],\n        [16, 17, 18, 19],\n        [20, 21, 22, 23]]]',
    ],
    [
      'long rows wrapped at 75 columns',
      new Float64Array(range(30)),
      [30],
      'float64',
      '[ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12.,\n' +
        '       13., 14., 15., 16., 17., 18., 19., 20., 21., 22., 23., 24., 25.,\n' +
        '       26., 27., 28., 29.]',
    ],
    [
      'more than 1000 elements: 3 at each end',
      new Int32Array(range(2000)),
      [2000],
      'int32',
      '[   0,    1,    2, ..., 1997, 1998, 1999]',
    ],
    [
      'summarised rows; the format only sees the shown values',
      new Float32Array(range(3000)),
      [1000, 3],
      'float32',
      '[[0.000e+00, 1.000e+00, 2.000e+00],\n       [3.000e+00, 4.000e+00, 5.000e+00],\n' +
        '       [6.000e+00, 7.000e+00, 8.000e+00],\n       ...,\n' +
        '       [2.991e+03, 2.992e+03, 2.993e+03],\n       [2.994e+03, 2.995e+03, 2.996e+03],\n' +
        '       [2.997e+03, 2.998e+03, 2.999e+03]]',
    ],
  ] as const)('%s', (_name, buffer, shape, dtype, expected) => {
    expect(numpyBody(buffer, [...shape], dtype)).toBe(expected);
  });

  test('summarised 3-D: every axis longer than 6 elided, blocks apart by a blank line', () => {
    const rows = (first: number) =>
      [first, first + 40, first + 80, -1, first + 1080, first + 1120, first + 1160].map((r) =>
        r < 0
          ? '        ...'
          : `        [${[r, r + 1, r + 2].map((v) => String(v).padStart(4)).join(', ')}, ..., ${[r + 37, r + 38, r + 39].map((v) => String(v).padStart(4)).join(', ')}]`,
      );
    const block = (first: number) => `[${rows(first).join(',\n').slice(8)}]`;
    const expected = `[${block(0)},\n\n       ${block(1200)}]`;
    expect(numpyBody(new Int32Array(range(2400)), [2, 30, 40], 'int32')).toBe(expected);
    expect(expected.split('\n')[0]).toBe('[[[   0,    1,    2, ...,   37,   38,   39],');
  });

  test('scalars and empty tensors', () => {
    expect(numpyBody(new Float32Array([3.5]), [], 'float32')).toBe('3.5');
    expect(numpyBody(new Float32Array(0), [0, 3], 'float32')).toBe('[]');
  });
});

describe('String(tensor) and util.inspect', () => {
  test('show dtype, shape and values, the same text both ways', () => {
    const t = tensor([
      [1, 2],
      [3, 4],
    ]);
    const text = 'Tensor(float32[2,2]) [[1., 2.],\n                      [3., 4.]]';
    expect(String(t)).toBe(text);
    expect(inspect(t)).toBe(text);
    expect(`${tensor([true, false], { dtype: 'bool' })}`).toBe('Tensor(bool[2]) [ true, false]');
    expect(String(tensor(7, { dtype: 'int32' }))).toBe('Tensor(int32[]) 7');
  });

  test('console.log shows no internal fields, also nested in objects', () => {
    const t = reshape(arange(0, 6, 1, 'float32'), [2, 3]);
    const nested = inspect({ w: t });
    for (const internal of ['buffer', 'serial', 'aval', 'Float32Array'])
      expect(nested).not.toContain(internal);
    expect(nested).toContain('Tensor(float32[2,3])');
    expect(nested).toContain('[3., 4., 5.]');
  });

  test('a large tensor prints in a bounded number of characters', () => {
    const text = String(reshape(arange(0, 1_000_000, 1, 'float32'), [1000, 1000]));
    expect(text.startsWith('Tensor(float32[1000,1000]) [[0.00000e+00, 1.00000e+00,')).toBe(true);
    expect(text.length).toBeLessThan(1200);
    expect(text).toContain('...');
  });

  test('traced values print their abstract type and the transformation', () => {
    const seen: string[] = [];
    const spy = (x: Tensor) => {
      seen.push(String(x), inspect(x));
      return x.mul(x).sum();
    };
    grad(spy)(tensor([1, 2, 3]));
    const matrix = reshape(arange(0, 12, 1, 'float32'), [4, 3]);
    jit(spy)(matrix);
    vmap(spy)(matrix);
    makeJaxpr(spy)(tensor([1, 2], { dtype: 'float64' }));
    expect(seen).toEqual([
      'Traced<float32[3]> (jvp)',
      'Traced<float32[3]> (jvp)',
      'Traced<float32[4,3]> (jit(spy))',
      'Traced<float32[4,3]> (jit(spy))',
      'Traced<float32[3]> (vmap)',
      'Traced<float32[3]> (vmap)',
      'Traced<float64[2]> (makeJaxpr)',
      'Traced<float64[2]> (makeJaxpr)',
    ]);
  });
});
