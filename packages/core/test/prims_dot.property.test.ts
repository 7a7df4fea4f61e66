// dot_general with random batch / contracting / free axes in random axis orders, and matmul
// (vectors, matrices, N-D by 2-D, batched with broadcasting), against a plain-JS contraction.
import { test as property } from '@fast-check/vitest';
import {
  type DotGeneralParams,
  dot,
  dotGeneral,
  grad,
  matmul,
  type Tensor,
  tensor,
} from '@loom/core';
import { describe, expect, test } from 'vitest';
import {
  checkShapeRule,
  dotGeneralArb,
  expectClose,
  expectTensor,
  gradCheck,
  matmulArb,
  range,
  ravel,
  refBroadcastShape,
  sizeOf,
  type TensorCase,
  t64,
  unravel,
} from './arbitraries.js';

/** Plain-JS dot_general straight from the definition (JAX's output axis order). */
function refDotGeneral(a: TensorCase, b: TensorCase, p: DotGeneralParams): TensorCase {
  const lFree = range(a.shape.length).filter(
    (i) => !p.lhsContracting.includes(i) && !p.lhsBatch.includes(i),
  );
  const rFree = range(b.shape.length).filter(
    (i) => !p.rhsContracting.includes(i) && !p.rhsBatch.includes(i),
  );
  const shape = [
    ...p.lhsBatch.map((i) => a.shape[i]),
    ...lFree.map((i) => a.shape[i]),
    ...rFree.map((i) => b.shape[i]),
  ];
  const contractShape = p.lhsContracting.map((i) => a.shape[i]);
  const nb = p.lhsBatch.length;
  const data = range(sizeOf(shape)).map((o) => {
    const out = unravel(o, shape);
    const ai = new Array<number>(a.shape.length).fill(0);
    const bi = new Array<number>(b.shape.length).fill(0);
    p.lhsBatch.forEach((ax, k) => {
      ai[ax] = out[k];
      bi[p.rhsBatch[k]] = out[k];
    });
    lFree.forEach((ax, k) => {
      ai[ax] = out[nb + k];
    });
    rFree.forEach((ax, k) => {
      bi[ax] = out[nb + lFree.length + k];
    });
    let s = 0;
    for (let c = 0; c < sizeOf(contractShape); c++) {
      const ci = unravel(c, contractShape);
      p.lhsContracting.forEach((ax, k) => {
        ai[ax] = ci[k];
        bi[p.rhsContracting[k]] = ci[k];
      });
      s += a.data[ravel(ai, a.shape)] * b.data[ravel(bi, b.shape)];
    }
    return s;
  });
  return { shape, data };
}

describe('dot_general', () => {
  property.prop([dotGeneralArb], { numRuns: 20 })(
    'checkGrads w.r.t. both operands, order 2',
    ([a, b, p]) => {
      gradCheck((x: Tensor, y: Tensor) => dotGeneral(x, y, p), [t64(a), t64(b)], { order: 2 });
    },
  );

  property.prop([dotGeneralArb])(
    'shape rule and values against a plain-JS contraction',
    ([a, b, p]) => {
      const out = checkShapeRule((x, y) => dotGeneral(x, y, p), [t64(a), t64(b)]);
      expectTensor(out, refDotGeneral(a, b, p), 'float64', { rtol: 1e-13, atol: 1e-13 });
    },
  );

  property.prop([dotGeneralArb])(
    'gradients have the operand shapes and match the closed form',
    ([a, b, p]) => {
      // d/dA Σ dot_general(A, B) = dot_general(1, B) laid out like A: check with a JS sum.
      const [ga, gb] = grad((x: Tensor, y: Tensor) => dotGeneral(x, y, p).sum(), {
        argnums: [0, 1],
      })(t64(a), t64(b));
      expect([...ga.shape]).toEqual(a.shape);
      expect([...gb.shape]).toEqual(b.shape);
      const ea = a.data.map((_, i) => {
        const unit = { shape: a.shape, data: a.data.map((__, j) => (i === j ? 1 : 0)) };
        return refDotGeneral(unit, b, p).data.reduce((s, v) => s + v, 0);
      });
      const eb = b.data.map((_, i) => {
        const unit = { shape: b.shape, data: b.data.map((__, j) => (i === j ? 1 : 0)) };
        return refDotGeneral(a, unit, p).data.reduce((s, v) => s + v, 0);
      });
      expectClose(ga.data(), ea, { rtol: 1e-13, atol: 1e-13 });
      expectClose(gb.data(), eb, { rtol: 1e-13, atol: 1e-13 });
    },
  );
});

/** numpy matmul semantics, written out. */
function refMatmul(a: TensorCase, b: TensorCase): TensorCase {
  const aM = a.shape.length === 1 ? { shape: [1, a.shape[0]], data: a.data } : a;
  const bM = b.shape.length === 1 ? { shape: [b.shape[0], 1], data: b.data } : b;
  const [m, k] = aM.shape.slice(-2);
  const n = bM.shape[bM.shape.length - 1];
  const batch = refBroadcastShape(aM.shape.slice(0, -2), bM.shape.slice(0, -2));
  const full = [...batch, m, n];
  const data = range(sizeOf(full)).map((o) => {
    const idx = unravel(o, full);
    const bIdx = idx.slice(0, batch.length);
    const pick = (c: { shape: number[]; data: number[] }, r: number, col: number) => {
      const lead = c.shape.slice(0, -2);
      const off = bIdx.length - lead.length;
      return c.data[ravel([...lead.map((d, i) => (d === 1 ? 0 : bIdx[i + off])), r, col], c.shape)];
    };
    let s = 0;
    for (let p = 0; p < k; p++)
      s += pick(aM, idx[batch.length], p) * pick(bM, p, idx[batch.length + 1]);
    return s;
  });
  let shape = [...batch, m, n];
  if (a.shape.length === 1) shape = shape.filter((_, i) => i !== batch.length);
  if (b.shape.length === 1) shape = shape.slice(0, -1);
  return { shape, data };
}

describe('matmul', () => {
  property.prop([matmulArb], { numRuns: 20 })(
    'checkGrads w.r.t. both operands, order 2',
    ([a, b]) => {
      gradCheck((x: Tensor, y: Tensor) => matmul(x, y), [t64(a), t64(b)], { order: 2 });
    },
  );

  property.prop([matmulArb])(
    'shape rule and values follow numpy matmul (batched, broadcast, vectors)',
    ([a, b]) => {
      const out = checkShapeRule((x, y) => matmul(x, y), [t64(a), t64(b)]);
      expectTensor(out, refMatmul(a, b), 'float64', { rtol: 1e-13, atol: 1e-13 });
      expectTensor(dot(t64(a), t64(b)), refMatmul(a, b), 'float64', { rtol: 1e-13, atol: 1e-13 });
    },
  );

  test('a broadcast batch: [2,1,3,4] @ [5,4,2] has shape [2,5,3,2]', () => {
    const a = { shape: [2, 1, 3, 4], data: range(24).map((i) => i / 10) };
    const b = { shape: [5, 4, 2], data: range(40).map((i) => (i % 7) - 3) };
    const out = matmul(t64(a), t64(b));
    expectTensor(out, refMatmul(a, b), 'float64', { rtol: 1e-13, atol: 1e-13 });
    expect([...out.shape]).toEqual([2, 5, 3, 2]);
  });

  test('int32 by float64 promotes; float32 stays float32', () => {
    const i = tensor([[1, 2]], { dtype: 'int32' });
    const f = tensor(new Float64Array([0.5, 0.25]), { shape: [2, 1] });
    const out = matmul(i, f);
    expect(out.dtype).toBe('float64');
    expect(Array.from(out.data())).toEqual([1]);
    expect(matmul(tensor([[1, 2]]), tensor([[3], [4]])).dtype).toBe('float32');
  });
});
