// Structural operations of issue 15: flip (the rev primitive), pad, split, tile, repeat, clip,
// the cumulative scans (cumsum, cumprod, cummax, associativeScan), einsum, and the dynamic
// window primitives dynamicSlice / dynamicUpdateSlice. Values are checked against hand-written
// index loops over plain arrays, gradients against float64 central finite differences (checkGrads,
// order 2 where the op is smooth), and the shape rule against the traced IR.
import { fc, test as property } from '@fast-check/vitest';
import {
  add,
  associativeScan,
  clip,
  cummax,
  cumprod,
  cumsum,
  dynamicSlice,
  dynamicUpdateSlice,
  einsum,
  flip,
  grad,
  maximum,
  pad,
  repeat,
  scalar,
  split,
  type Tensor,
  tensor,
  tile,
} from '@loom/core';
import { describe, expect, test } from 'vitest';
import {
  caseOfShapeArb,
  checkShapeRule,
  distinctCaseArb,
  expectTensor,
  gradCheck,
  range,
  ravel,
  shapeArb,
  sizeOf,
  type TensorCase,
  t64,
  tensorCaseArb,
  unravel,
} from './arbitraries.js';

const EXACT = { rtol: 0, atol: 0 };
const smooth = (y: Tensor) => y.mul(y).sum();
const i32s = (n: number) => scalar(n, 'int32');

/** out[idx] = c[map(idx)] over every index of `shape`. */
function mapIndices(c: TensorCase, shape: number[], map: (idx: number[]) => number[]): TensorCase {
  return {
    shape,
    data: range(sizeOf(shape)).map((i) => c.data[ravel(map(unravel(i, shape)), c.shape)]),
  };
}

const caseWithAxisArb = (minRank = 1) =>
  tensorCaseArb({ min: -3, max: 3 }, { minRank }).chain((c) =>
    fc.tuple(fc.constant(c), fc.integer({ min: 0, max: c.shape.length - 1 })),
  );

describe('flip (rev)', () => {
  const flipArb = tensorCaseArb().chain((c) =>
    fc.tuple(fc.constant(c), fc.subarray(range(c.shape.length))),
  );

  property.prop([flipArb])('values: out[i] = x[n-1-i] on the flipped axes', ([c, axes]) => {
    const y = checkShapeRule((x) => flip(x, axes), [t64(c)]);
    const want = mapIndices(c, c.shape, (idx) =>
      idx.map((k, d) => (axes.includes(d) ? c.shape[d] - 1 - k : k)),
    );
    expectTensor(y, want, 'float64', EXACT);
  });

  property.prop([flipArb], { numRuns: 20 })('checkGrads, order 2', ([c, axes]) => {
    gradCheck((x: Tensor) => smooth(flip(x, axes).mul(t64(c))), [t64(c)], { order: 2 });
  });

  property.prop([tensorCaseArb()])('flip() reverses every axis; twice is the identity', (c) => {
    const all = mapIndices(c, c.shape, (idx) => idx.map((k, d) => c.shape[d] - 1 - k));
    expectTensor(flip(t64(c)), all, 'float64', EXACT);
    expectTensor(flip(flip(t64(c))), c, 'float64', EXACT);
  });
});

describe('pad', () => {
  const padArb = tensorCaseArb({ min: -3, max: 3 }, { maxRank: 3 }).chain((c) =>
    fc.tuple(
      fc.constant(c),
      fc.tuple(
        ...c.shape.map((n) =>
          fc.tuple(
            fc.integer({ min: -Math.floor(n / 2), max: 2 }),
            fc.integer({ min: -Math.floor(n / 2), max: 2 }),
          ),
        ),
      ),
      fc.constantFrom(0, 1.5, -2),
    ),
  );

  property.prop([padArb])(
    'values: a loop over the padded grid (negative widths crop)',
    ([c, w, v]) => {
      const widths = w as [number, number][];
      const shape = c.shape.map((n, d) => n + widths[d][0] + widths[d][1]);
      const y = checkShapeRule((x) => pad(x, widths, { constantValue: v }), [t64(c)]);
      const data = range(sizeOf(shape)).map((i) => {
        const src = unravel(i, shape).map((k, d) => k - widths[d][0]);
        const inside = src.every((k, d) => k >= 0 && k < c.shape[d]);
        return inside ? c.data[ravel(src, c.shape)] : v;
      });
      expectTensor(y, { shape, data }, 'float64', EXACT);
    },
  );

  property.prop([padArb], { numRuns: 20 })('checkGrads, order 2', ([c, w, v]) => {
    const widths = w as [number, number][];
    gradCheck((x: Tensor) => smooth(pad(x, widths, { constantValue: v })), [t64(c)], { order: 2 });
  });

  test('a traced constant value gets the gradient of every padded element', () => {
    const g = grad((v: Tensor) => pad(tensor([1, 2]), [2, 1], { constantValue: v }).sum())(
      scalar(0.5, 'float64'),
    );
    expect(g.item()).toBe(3);
  });

  test('one width or one pair applies to every axis', () => {
    const x = tensor([
      [1, 2],
      [3, 4],
    ]);
    expect(pad(x, 1).shape).toEqual([4, 4]);
    expect(pad(x, [0, 2]).toArray()).toEqual([
      [1, 2, 0, 0],
      [3, 4, 0, 0],
      [0, 0, 0, 0],
      [0, 0, 0, 0],
    ]);
  });
});

describe('split', () => {
  property.prop([
    caseWithAxisArb().chain(([c, axis]) =>
      fc.tuple(
        fc.constant(c),
        fc.constant(axis),
        fc.array(fc.integer({ min: -2, max: c.shape[axis] + 2 }), { maxLength: 3 }),
      ),
    ),
  ])('indices: pieces are x[b_i:b_{i+1}] with python slice semantics', ([c, axis, idx]) => {
    const n = c.shape[axis];
    const pieces = split(t64(c), idx, axis);
    const norm = idx.map((i) => Math.min(Math.max(i < 0 ? i + n : i, 0), n));
    const bounds = [0, ...norm, n];
    expect(pieces.length).toBe(idx.length + 1);
    pieces.forEach((p, k) => {
      const start = bounds[k];
      const len = Math.max(bounds[k + 1] - start, 0);
      const shape = c.shape.map((m, d) => (d === axis ? len : m));
      const want = mapIndices(c, shape, (ix) => ix.map((v, d) => (d === axis ? v + start : v)));
      expectTensor(p, want, 'float64', EXACT);
    });
  });

  property.prop([caseWithAxisArb()], { numRuns: 20 })(
    'sections: equal pieces that concatenate back; grads flow to each piece',
    ([c, axis]) => {
      const n = c.shape[axis];
      const sections =
        range(n)
          .filter((s) => n % (s + 1) === 0)
          .pop()! + 1;
      const pieces = split(t64(c), sections, axis);
      expect(pieces.length).toBe(sections);
      for (const p of pieces) expect(p.shape[axis]).toBe(n / sections);
      gradCheck(
        (x: Tensor) =>
          split(x, sections, axis).reduce(
            (s, p, k) => s.add(smooth(p).mul(k + 1)),
            scalar(0, 'float64'),
          ),
        [t64(c)],
        { order: 2 },
      );
    },
  );
});

describe('tile and repeat', () => {
  const tileArb = tensorCaseArb({ min: -3, max: 3 }, { maxRank: 3 }).chain((c) =>
    fc.tuple(fc.constant(c), fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 4 })),
  );

  property.prop([tileArb])('tile: out[i] = x[i mod n] with numpy rank alignment', ([c, reps]) => {
    const rank = Math.max(reps.length, c.shape.length);
    const counts = [...new Array(rank - reps.length).fill(1), ...reps];
    const dims = [...new Array(rank - c.shape.length).fill(1), ...c.shape];
    const shape = dims.map((d, i) => d * counts[i]);
    const y = checkShapeRule((x) => tile(x, reps), [t64(c)]);
    const lead = rank - c.shape.length;
    const want = mapIndices(c, shape, (idx) => idx.slice(lead).map((k, d) => k % c.shape[d]));
    expectTensor(y, want, 'float64', EXACT);
  });

  property.prop([tileArb], { numRuns: 20 })('tile: checkGrads, order 2', ([c, reps]) => {
    gradCheck((x: Tensor) => smooth(tile(x, reps)), [t64(c)], { order: 2 });
  });

  const repeatArb = caseWithAxisArb().chain(([c, axis]) =>
    fc.tuple(
      fc.constant(c),
      fc.constant(axis),
      fc.oneof(
        fc.integer({ min: 0, max: 3 }),
        fc.array(fc.integer({ min: 0, max: 3 }), {
          minLength: c.shape[axis],
          maxLength: c.shape[axis],
        }),
      ),
    ),
  );

  property.prop([repeatArb])(
    'repeat: element i appears repeats[i] times in order',
    ([c, axis, r]) => {
      const counts = typeof r === 'number' ? new Array<number>(c.shape[axis]).fill(r) : r;
      const source = counts.flatMap((k, i) => new Array<number>(k).fill(i));
      const shape = c.shape.map((n, d) => (d === axis ? source.length : n));
      const y = checkShapeRule((x) => repeat(x, r, axis), [t64(c)]);
      const want = mapIndices(c, shape, (idx) => idx.map((k, d) => (d === axis ? source[k] : k)));
      expectTensor(y, want, 'float64', EXACT);
      gradCheck((x: Tensor) => smooth(repeat(x, r, axis)), [t64(c)], { order: 2 });
    },
  );

  test('repeat without an axis flattens first', () => {
    const y = repeat(
      tensor([
        [1, 2],
        [3, 4],
      ]),
      2,
    );
    expect(y.toArray()).toEqual([1, 1, 2, 2, 3, 3, 4, 4]);
  });
});

describe('clip', () => {
  property.prop([
    tensorCaseArb({ min: -3, max: 3 }),
    fc.double({ min: -2, max: 0, noNaN: true }),
    fc.double({ min: 0, max: 2, noNaN: true }),
  ])('values: min(max(x, lo), hi)', (c, lo, hi) => {
    const y = checkShapeRule((x) => clip(x, { min: lo, max: hi }), [t64(c)]);
    expectTensor(
      y,
      { shape: c.shape, data: c.data.map((v) => Math.min(Math.max(v, lo), hi)) },
      'float64',
      EXACT,
    );
    expectTensor(
      clip(t64(c), { min: lo }),
      { shape: c.shape, data: c.data.map((v) => Math.max(v, lo)) },
      'float64',
      EXACT,
    );
    expectTensor(
      clip(t64(c), { max: hi }),
      { shape: c.shape, data: c.data.map((v) => Math.min(v, hi)) },
      'float64',
      EXACT,
    );
  });

  test('gradient: 1 inside, 0 outside, 1/2 exactly at a bound (as jnp.clip)', () => {
    const x = tensor(new Float64Array([-2, -1, 0, 1, 2]));
    const g = grad((v: Tensor) => clip(v, { min: -1, max: 1 }).sum())(x);
    expect(Array.from(g.data())).toEqual([0, 0.5, 1, 0.5, 0]);
  });

  property.prop([distinctCaseArb([5])], { numRuns: 20 })('checkGrads away from the bounds', (c) => {
    // Values are ≥ 0.01 apart; bounds halfway between grid points avoid the kinks.
    gradCheck((x: Tensor) => smooth(clip(x, { min: -0.995, max: 1.005 })), [t64(c)]);
  });
});

describe('cumulative scans', () => {
  /** out[i] along axis = fold of x[0..i] (or x[i..n-1] reversed). */
  function refScan(
    c: TensorCase,
    axis: number,
    reverse: boolean,
    f: (a: number, b: number) => number,
  ) {
    const n = c.shape[axis];
    return mapFold(c, axis, (idx) => {
      const k = idx[axis];
      const order = reverse ? range(n - k).map((j) => n - 1 - j) : range(k + 1);
      return order
        .map(
          (j) =>
            c.data[
              ravel(
                idx.map((v, d) => (d === axis ? j : v)),
                c.shape,
              )
            ],
        )
        .reduce(f);
    });
  }
  function mapFold(c: TensorCase, _axis: number, at: (idx: number[]) => number): TensorCase {
    return { shape: c.shape, data: range(sizeOf(c.shape)).map((i) => at(unravel(i, c.shape))) };
  }
  const scanArb = tensorCaseArb({ min: -2, max: 2 }, { minRank: 1, maxRank: 3, maxDim: 5 }).chain(
    (c) => fc.tuple(fc.constant(c), fc.integer({ min: 0, max: c.shape.length - 1 }), fc.boolean()),
  );
  const ops = [
    { name: 'cumsum', f: cumsum, ref: (a: number, b: number) => a + b },
    { name: 'cumprod', f: cumprod, ref: (a: number, b: number) => a * b },
    { name: 'cummax', f: cummax, ref: (a: number, b: number) => Math.max(a, b) },
  ];
  for (const op of ops) {
    property.prop([scanArb])(
      `${op.name}: values against a sequential loop, {axis, reverse}`,
      ([c, axis, reverse]) => {
        const y = checkShapeRule((x) => op.f(x, { axis, reverse }), [t64(c)]);
        expectTensor(y, refScan(c, axis, reverse, op.ref), 'float64', { rtol: 1e-12, atol: 1e-12 });
      },
    );
  }

  property.prop([scanArb], { numRuns: 15 })(
    'cumsum and cumprod: checkGrads, order 2',
    ([c, axis, reverse]) => {
      gradCheck((x: Tensor) => smooth(cumsum(x, { axis, reverse })), [t64(c)], { order: 2 });
      gradCheck((x: Tensor) => cumprod(x, { axis, reverse }).sum(), [t64(c)], { order: 2 });
    },
  );

  property.prop([fc.integer({ min: 1, max: 9 }).chain((n) => distinctCaseArb([n])), fc.boolean()], {
    numRuns: 20,
  })('cummax: checkGrads with distinct values', (c, reverse) => {
    gradCheck((x: Tensor) => smooth(cummax(x, { reverse })), [t64(c)]);
  });

  property.prop([fc.integer({ min: 1, max: 7 }), fc.nat(6)])(
    'cumprod: the gradient at zeros is exact (d/dx_j of Σ cumprod, by hand)',
    (n, zeroAt) => {
      const data = range(n).map((i) => (i === zeroAt % n ? 0 : 1 + 0.25 * i));
      const g = grad((x: Tensor) => cumprod(x).sum())(tensor(new Float64Array(data)));
      // ∂/∂x_j Σ_i Π_{k≤i} x_k = Σ_{i≥j} Π_{k≤i, k≠j} x_k
      const want = range(n).map((j) =>
        range(n)
          .filter((i) => i >= j)
          .reduce(
            (s, i) =>
              s +
              range(i + 1)
                .filter((k) => k !== j)
                .reduce((p, k) => p * data[k], 1),
            0,
          ),
      );
      expectTensor(g, { shape: [n], data: want }, 'float64', { rtol: 1e-12, atol: 1e-12 });
    },
  );

  test('no axis scans the flattened array; bool counts as int32', () => {
    const x = tensor([
      [1, 2],
      [3, 4],
    ]);
    expect(cumsum(x).toArray()).toEqual([1, 3, 6, 10]);
    expect(cumsum(x, { axis: -1 }).toArray()).toEqual([
      [1, 3],
      [3, 7],
    ]);
    const b = cumsum(tensor([true, false, true], { dtype: 'bool' }));
    expect(b.dtype).toBe('int32');
    expect(b.toArray()).toEqual([1, 1, 2]);
  });

  property.prop([scanArb])(
    'associativeScan with maximum and add equals its sequential loop',
    ([c, axis, reverse]) => {
      const f = (a: Tensor, b: Tensor) => maximum(a, b);
      const y = associativeScan(f, t64(c), { axis, reverse });
      expectTensor(
        y,
        refScan(c, axis, reverse, (a, b) => Math.max(a, b)),
        'float64',
        EXACT,
      );
      const s = associativeScan(add, t64(c), { axis });
      expectTensor(
        s,
        refScan(c, axis, false, (a, b) => a + b),
        'float64',
        { rtol: 1e-12, atol: 1e-12 },
      );
    },
  );
});

describe('einsum', () => {
  const dims = fc.integer({ min: 1, max: 3 });
  /** A spec with random label sizes, and operands filled with random values. */
  const specs = [
    'ij,jk->ik',
    'ij,jk',
    'bij,bjk->bik',
    'ij->ji',
    'ij->',
    'ii->i',
    'ii',
    'iij->j',
    'i,i->',
    'i,j->ij',
    'ijk,kj->i',
    'ab,bc,cd->ad',
    'ab,cb,ca->',
    '...ij,...jk->...ik',
    'i...->...',
    'bi,bi->b',
  ];
  const einsumArb = fc
    .tuple(
      fc.constantFrom(...specs),
      fc.record({ a: dims, b: dims, c: dims, d: dims, i: dims, j: dims, k: dims }),
      fc.array(dims, { maxLength: 2 }),
    )
    .chain(([spec, sizes, ell]) => {
      const terms = spec.split('->')[0].split(',');
      const shapes = terms.map((t) => {
        const [before, after] = t.includes('...') ? t.split('...') : [t, null];
        const size = (s: string) => [...s].map((l) => sizes[l as keyof typeof sizes]);
        return after === null ? size(before) : [...size(before), ...ell, ...size(after)];
      });
      return fc.tuple(
        fc.constant(spec),
        fc.tuple(...shapes.map((s) => caseOfShapeArb(s))),
        fc.constant(sizes),
        fc.constant(ell),
      );
    });

  /** Σ over every label assignment: the definition of einsum. */
  function refEinsum(spec: string, cases: TensorCase[], ell: number[]): TensorCase {
    const expand = (t: string) => {
      const [before, after] = t.includes('...') ? t.split('...') : [t, null];
      return after === null ? [...before] : [...before, ...ell.map((_, k) => `#${k}`), ...after];
    };
    const [lhs, rhs] = spec.split('->');
    const terms = lhs.split(',').map(expand);
    const counts = new Map<string, number>();
    for (const t of terms) for (const l of t) counts.set(l, (counts.get(l) ?? 0) + 1);
    const out =
      rhs === undefined
        ? [
            ...[...counts.keys()].filter((l) => l.startsWith('#')),
            ...[...counts]
              .filter(([l, n]) => n === 1 && !l.startsWith('#'))
              .map(([l]) => l)
              .sort(),
          ]
        : expand(rhs);
    const size = new Map<string, number>();
    terms.forEach((t, i) => {
      t.forEach((l, k) => {
        size.set(l, cases[i].shape[k]);
      });
    });
    const labels = [...size.keys()];
    const outShape = out.map((l) => size.get(l)!);
    const data = new Array<number>(sizeOf(outShape)).fill(0);
    const all = labels.map((l) => size.get(l)!);
    for (let f = 0; f < sizeOf(all); f++) {
      const at = unravel(f, all);
      const val = (l: string) => at[labels.indexOf(l)];
      const prod = terms.reduce(
        (p, t, i) => p * cases[i].data[ravel(t.map(val), cases[i].shape)],
        1,
      );
      data[ravel(out.map(val), outShape)] += prod;
    }
    return { shape: outShape, data };
  }

  property.prop([einsumArb])(
    'values: the sum over all label assignments',
    ([spec, cases, , ell]) => {
      const y = checkShapeRule((...xs) => einsum(spec, ...xs), cases.map(t64));
      expectTensor(y, refEinsum(spec, cases, ell), 'float64', { rtol: 1e-12, atol: 1e-12 });
    },
  );

  property.prop([einsumArb], { numRuns: 20 })('checkGrads, order 2', ([spec, cases]) => {
    gradCheck((...xs: Tensor[]) => smooth(einsum(spec, ...xs)), cases.map(t64), { order: 2 });
  });

  test('ellipsis axes of size 1 broadcast', () => {
    const a = tensor(new Float64Array([1, 2]), { shape: [1, 2] });
    const b = tensor(new Float64Array([1, 2, 3, 4, 5, 6]), { shape: [3, 2] });
    expect(einsum('...i,...i->...', a, b).toArray()).toEqual([5, 11, 17]);
  });
});

describe('dynamicSlice and dynamicUpdateSlice', () => {
  const clamp = (s: number, dim: number, size: number) => Math.min(Math.max(s, 0), dim - size);
  const windowArb = tensorCaseArb({ min: -3, max: 3 }, { minRank: 1, maxRank: 3 }).chain((c) =>
    fc.tuple(
      fc.constant(c),
      fc.tuple(...c.shape.map((n) => fc.integer({ min: 0, max: n }))),
      fc.tuple(...c.shape.map((n) => fc.integer({ min: -2, max: n + 2 }))),
    ),
  );

  property.prop([windowArb])(
    'dynamicSlice: x[clamp(s)+i] with starts clamped as JAX',
    ([c, sz, st]) => {
      const sizes = sz as number[];
      const starts = st as number[];
      const y = checkShapeRule(
        (x, ...s) => dynamicSlice(x, s, sizes),
        [t64(c), ...starts.map(i32s)],
      );
      const at = starts.map((s, d) => clamp(s, c.shape[d], sizes[d]));
      expectTensor(
        y,
        mapIndices(c, sizes, (idx) => idx.map((k, d) => k + at[d])),
        'float64',
        EXACT,
      );
      // A start vector gives the same window.
      const v = dynamicSlice(t64(c), tensor(new Int32Array(starts)), sizes);
      expectTensor(v, { shape: sizes, data: Array.from(y.data()) }, 'float64', EXACT);
    },
  );

  property.prop([
    windowArb.chain(([c, sz, st]) =>
      fc.tuple(fc.constant(c), fc.constant(sz), fc.constant(st), caseOfShapeArb(sz as number[])),
    ),
  ])('dynamicUpdateSlice: the clamped window holds the update, the rest is x', ([c, , st, u]) => {
    const starts = st as number[];
    const y = checkShapeRule(
      (x, up, ...s) => dynamicUpdateSlice(x, up, s),
      [t64(c), t64(u), ...starts.map(i32s)],
    );
    const at = starts.map((s, d) => clamp(s, c.shape[d], u.shape[d]));
    const data = range(sizeOf(c.shape)).map((i) => {
      const idx = unravel(i, c.shape);
      const rel = idx.map((k, d) => k - at[d]);
      const inside = rel.every((k, d) => k >= 0 && k < u.shape[d]);
      return inside ? u.data[ravel(rel, u.shape)] : c.data[i];
    });
    expectTensor(y, { shape: c.shape, data }, 'float64', EXACT);
  });

  property.prop(
    [
      windowArb.chain(([c, sz, st]) =>
        fc.tuple(fc.constant(c), fc.constant(sz), fc.constant(st), caseOfShapeArb(sz as number[])),
      ),
    ],
    { numRuns: 20 },
  )('checkGrads, order 2 (operand and update)', ([c, sz, st, u]) => {
    const starts = (st as number[]).map(i32s);
    gradCheck((x: Tensor) => smooth(dynamicSlice(x, starts, sz as number[])), [t64(c)], {
      order: 2,
    });
    gradCheck(
      (x: Tensor, up: Tensor) => smooth(dynamicUpdateSlice(x, up.mul(up), starts)),
      [t64(c), t64(u)],
      { order: 2 },
    );
  });
});

describe('shapes of random structural pipelines', () => {
  property.prop([shapeArb({ minRank: 1, maxRank: 3 })])(
    'tile of flip of pad keeps the predicted shape',
    (s) => {
      const c = { shape: s, data: range(sizeOf(s)) };
      const y = tile(flip(pad(t64(c), 1)), 2);
      expect(y.shape).toEqual(s.map((n, d) => (n + 2) * (d === s.length - 1 ? 2 : 1)));
    },
  );
});
