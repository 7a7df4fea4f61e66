// gather (`take`) and its transpose scatter_add (`scatterAdd`): indices of any rank (repeats
// allowed) along any axis; gradients, shape rule and plain-JS references.
import { fc, test as property } from '@fast-check/vitest';
import { grad, makeJaxpr, scatterAdd, type Tensor, take, vjp } from '@loom/core';
import { describe, expect, test } from 'vitest';
import {
  caseOfShapeArb,
  checkShapeRule,
  expectClose,
  expectTensor,
  gradCheck,
  i32,
  range,
  ravel,
  shapeArb,
  sizeOf,
  type TensorCase,
  t64,
  unravel,
} from './arbitraries.js';

interface GatherCase {
  x: TensorCase;
  indices: TensorCase;
  axis: number;
}

/** x of rank 1..3, an axis (maybe negative), int32 indices of rank 0..2 in range (with repeats). */
const gatherArb: fc.Arbitrary<GatherCase> = shapeArb({ minRank: 1, maxRank: 3 }).chain((xShape) =>
  fc.integer({ min: -xShape.length, max: xShape.length - 1 }).chain((axis) => {
    const n = xShape[axis < 0 ? axis + xShape.length : axis];
    return fc
      .tuple(caseOfShapeArb(xShape), shapeArb({ maxRank: 2, maxDim: 3 }))
      .chain(([x, idxShape]) =>
        fc
          .array(fc.integer({ min: 0, max: n - 1 }), {
            minLength: sizeOf(idxShape),
            maxLength: sizeOf(idxShape),
          })
          .map((data) => ({ x, indices: { shape: idxShape, data }, axis })),
      );
  }),
);

const gatherShape = ({ x, indices, axis }: GatherCase) => {
  const ax = axis < 0 ? axis + x.shape.length : axis;
  return { ax, shape: [...x.shape.slice(0, ax), ...indices.shape, ...x.shape.slice(ax + 1)] };
};

/** out[pre, j, post] = x[pre, indices[j], post]. */
function refTake(g: GatherCase): TensorCase {
  const { ax, shape } = gatherShape(g);
  const k = g.indices.shape.length;
  const data = range(sizeOf(shape)).map((o) => {
    const idx = unravel(o, shape);
    const j = ravel(idx.slice(ax, ax + k), g.indices.shape);
    const src = [...idx.slice(0, ax), g.indices.data[j], ...idx.slice(ax + k)];
    return g.x.data[ravel(src, g.x.shape)];
  });
  return { shape, data };
}

/** The adjoint of refTake: out[pre, indices[j], post] += updates[pre, j, post]. */
function refScatterAdd(updates: TensorCase, g: GatherCase): TensorCase {
  const { ax } = gatherShape(g);
  const k = g.indices.shape.length;
  const out = new Array<number>(g.x.data.length).fill(0);
  updates.data.forEach((u, o) => {
    const idx = unravel(o, updates.shape);
    const j = ravel(idx.slice(ax, ax + k), g.indices.shape);
    out[ravel([...idx.slice(0, ax), g.indices.data[j], ...idx.slice(ax + k)], g.x.shape)] += u;
  });
  return { shape: g.x.shape, data: out };
}

const indicesOf = (g: GatherCase) => i32(g.indices.data, g.indices.shape);

describe('gather (take)', () => {
  property.prop([gatherArb], { numRuns: 20 })('checkGrads w.r.t. x, order 2', (g) => {
    const idx = indicesOf(g);
    gradCheck((x: Tensor) => take(x, idx, g.axis), [t64(g.x)], { order: 2 });
    gradCheck(
      (x: Tensor) =>
        take(x, idx, g.axis)
          .mul(take(x, idx, g.axis))
          .sum(),
      [t64(g.x)],
      { order: 2 },
    );
  });

  property.prop([gatherArb])(
    'shape rule and values: shape x[:axis] + indices + x[axis+1:]',
    (g) => {
      const out = checkShapeRule((x, idx) => take(x, idx, g.axis), [t64(g.x), indicesOf(g)]);
      expectTensor(out, refTake(g), 'float64', { rtol: 0, atol: 0 });
    },
  );

  property.prop([gatherArb])('the gradient scatter-adds (repeated indices accumulate)', (g) => {
    const { shape } = gatherShape(g);
    const ct = { shape, data: range(sizeOf(shape)).map((i) => (i % 5) + 1) };
    const [, pullback] = vjp((x: Tensor) => take(x, indicesOf(g), g.axis), t64(g.x));
    const [gx] = pullback(t64(ct));
    expectTensor(gx, refScatterAdd(ct, g), 'float64', { rtol: 0, atol: 0 });
    const prog = makeJaxpr(grad((x: Tensor) => take(x, indicesOf(g), g.axis).sum()))(t64(g.x));
    expect(prog.closed.jaxpr.eqns.some((e) => e.prim.name === 'scatter_add')).toBe(true);
  });

  test('a JS array of indices works as int32 indices', () => {
    const x = t64({ shape: [3, 2], data: [1, 2, 3, 4, 5, 6] });
    expect(take(x, [2, 0, 2]).toArray()).toEqual([
      [5, 6],
      [1, 2],
      [5, 6],
    ]);
  });
});

describe('scatter_add (scatterAdd)', () => {
  const scatterArb = gatherArb.chain((g) =>
    caseOfShapeArb(gatherShape(g).shape).map((updates) => ({ g, updates })),
  );

  property.prop([scatterArb], { numRuns: 20 })(
    'checkGrads w.r.t. updates, order 2',
    ({ g, updates }) => {
      const idx = indicesOf(g);
      const f = (u: Tensor) => scatterAdd(u, idx, g.x.shape, g.axis);
      gradCheck(f, [t64(updates)], { order: 2 });
      gradCheck((u: Tensor) => f(u).mul(f(u)).sum(), [t64(updates)], { order: 2 });
    },
  );

  property.prop([scatterArb])(
    'shape rule and values against a JS accumulation',
    ({ g, updates }) => {
      const out = checkShapeRule(
        (u, idx) => scatterAdd(u, idx, g.x.shape, g.axis),
        [t64(updates), indicesOf(g)],
      );
      expectTensor(out, refScatterAdd(updates, g), 'float64', { rtol: 1e-15, atol: 1e-15 });
    },
  );

  property.prop([scatterArb])(
    'scatter_add is the adjoint of take: ⟨take(x), u⟩ = ⟨x, scatterAdd(u)⟩',
    ({ g, updates }) => {
      const idx = indicesOf(g);
      const lhs = take(t64(g.x), idx, g.axis).mul(t64(updates)).sum().item();
      const rhs = t64(g.x)
        .mul(scatterAdd(t64(updates), idx, g.x.shape, g.axis))
        .sum()
        .item();
      expectClose([lhs], [rhs], { rtol: 1e-12, atol: 1e-12 });
      // and its gradient is a gather
      const gu = grad((u: Tensor) => scatterAdd(u, idx, g.x.shape, g.axis).mul(t64(g.x)).sum())(
        t64(updates),
      );
      expectTensor(gu, refTake(g), 'float64', { rtol: 0, atol: 0 });
    },
  );
});
