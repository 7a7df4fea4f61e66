// How dot_general maps onto the GEMM kernels (gemmOf): matrix-vector products run transposed.
import { describe, expect, test } from 'vitest';
import { dotGeneral, jit, random, type Tensor } from '../../index.js';
import type { Shape } from '../../tensor/shape.js';
import { Buf, contiguous } from '../values.js';
import { type DotSpec, gemmOf } from './dot.js';

const view = (shape: Shape) =>
  contiguous(
    new Buf(
      'input',
      'float32',
      shape.reduce((a, b) => a * b, 1),
    ),
    shape,
  );

function dot(lhs: Shape, rhs: Shape, out: Shape, lc: number[], rc: number[]): DotSpec {
  return {
    kind: 'dot',
    params: { lhsContracting: lc, rhsContracting: rc, lhsBatch: [], rhsBatch: [] },
    lhs: view(lhs),
    rhs: view(rhs),
    out: view(out),
  };
}

describe('gemmOf', () => {
  test('a matrix-vector product runs as Cᵀ = Bᵀ·Aᵀ: one row, the matrix as B', () => {
    const p = gemmOf(dot([5, 7], [7, 1], [5, 1], [1], [0]), false)!;
    expect(p.swapped).toBe(true);
    expect(p.gemm).toMatchObject({ m: 1, n: 5, k: 7 });
    // A is the vector (k stride 1); B is the matrix read k-major: B'[p][j] = lhs[j][p].
    expect(p.gemm.a.colStride).toBe(1);
    expect(p.gemm.b).toMatchObject({ rowStride: 1, colStride: 7 });
    // Rank-1 vector and a transposed matrix (lhs held as [k, m]) too.
    const t = gemmOf(dot([7, 5], [7], [5], [0], [0]), false)!;
    expect(t.swapped).toBe(true);
    expect(t.gemm.b).toMatchObject({ rowStride: 5, colStride: 1 });
  });

  test('other products keep their operands', () => {
    expect(gemmOf(dot([5, 7], [7, 3], [5, 3], [1], [0]), false)?.swapped).toBe(false);
    // A 1×1 output and a row vector times a matrix are not matrix-vector in this sense.
    expect(gemmOf(dot([1, 7], [7, 1], [1, 1], [1], [0]), false)?.swapped).toBe(false);
    expect(gemmOf(dot([1, 7], [7, 4], [1, 4], [1], [0]), false)?.swapped).toBe(false);
  });

  test('jitted matrix-vector products in every layout equal eager', () => {
    const key = random.split(random.key(3), 4);
    const m = random.normal(key[0], [37, 300]).astype('float64');
    const v = random.normal(key[1], [300]).astype('float64');
    const cases: [string, (a: Tensor, b: Tensor) => Tensor][] = [
      ['M·v', (a, b) => dotGeneral(a, b, dims([1], [0]))],
      ['Mᵀ·v', (a, b) => dotGeneral(a.transpose(), b, dims([0], [0]))],
      ['v·Mᵀ', (a, b) => dotGeneral(b, a, dims([0], [1]))],
      ['M·[v]', (a, b) => dotGeneral(a, b.reshape([300, 1]), dims([1], [0]))],
    ];
    for (const [name, f] of cases) {
      const want = Array.from(f(m, v).data());
      const got = Array.from(jit(f, { backend: 'wasm' })(m, v).data());
      expect(got.length, name).toBe(want.length);
      const err = Math.max(...got.map((x, i) => Math.abs(x - want[i])));
      expect(err, name).toBeLessThan(1e-12 * Math.max(...want.map(Math.abs)));
    }
  });
});

function dims(lc: number[], rc: number[]) {
  return { lhsContracting: lc, rhsContracting: rc, lhsBatch: [], rhsBatch: [] };
}
