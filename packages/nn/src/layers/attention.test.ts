import {
  checkGrads,
  DtypeError,
  jit,
  random,
  ShapeError,
  sum,
  type Tensor,
  tensor,
} from '@loom/core';
import { describe, expect, test } from 'vitest';
import { expectClose, f64 } from '../../test/reference.js';
import { dotProductAttention, multiHeadAttention } from './attention.js';

type Arr4 = number[][][][];
const rand4 = (shape: number[], seed: number): Arr4 => {
  let s = seed;
  const next = () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return (s / 2 ** 31) * 2 - 1;
  };
  const build = (d: number): unknown =>
    d === shape.length ? next() : Array.from({ length: shape[d] }, () => build(d + 1));
  return build(0) as Arr4;
};

/** Attention in float64 loops: q [B,T,N,H], k [B,S,N,H], v [B,S,N,Hv], mask(b,n,t,s). */
function reference(
  q: Arr4,
  k: Arr4,
  v: Arr4,
  mask?: (b: number, n: number, t: number, s: number) => boolean,
) {
  const [B, T, N, H] = [q.length, q[0].length, q[0][0].length, q[0][0][0].length];
  const S = k[0].length;
  const Hv = v[0][0][0].length;
  return Array.from({ length: B }, (_, b) =>
    Array.from({ length: T }, (_, t) =>
      Array.from({ length: N }, (_, n) => {
        const logits = Array.from({ length: S }, (_, s) => {
          let dot = 0;
          for (let h = 0; h < H; h++) dot += q[b][t][n][h] * k[b][s][n][h];
          return dot / Math.sqrt(H);
        });
        const allowed = logits.map((_, s) => (mask ? mask(b, n, t, s) : true));
        // A fully masked row attends uniformly (every logit is the same large negative number).
        const any = allowed.some(Boolean);
        const m = any ? Math.max(...logits.filter((_, s) => allowed[s])) : 0;
        const e = logits.map((l, s) => (!any ? 1 : allowed[s] ? Math.exp(l - m) : 0));
        const z = e.reduce((a, c) => a + c, 0);
        return Array.from({ length: Hv }, (_, j) =>
          e.reduce((acc, w, s) => acc + (w / z) * v[b][s][n][j], 0),
        );
      }),
    ),
  );
}

describe('dotProductAttention', () => {
  const q = rand4([2, 3, 2, 4], 1);
  const k = rand4([2, 5, 2, 4], 2);
  const v = rand4([2, 5, 2, 3], 3);

  test('matches float64 loops, with and without a causal mask (broadcast over batch and heads)', () => {
    expectClose(
      dotProductAttention(f64(q as never), f64(k as never), f64(v as never)),
      reference(q, k, v),
      1e-12,
    );
    const causal = tensor(
      Array.from({ length: 3 }, (_, t) => Array.from({ length: 5 }, (_, s) => s <= t)),
      { dtype: 'bool' },
    );
    const masked = dotProductAttention(f64(q as never), f64(k as never), f64(v as never), {
      mask: causal,
    });
    expectClose(
      masked,
      reference(q, k, v, (_b, _n, t, s) => s <= t),
      1e-12,
    );
  });

  test('a fully masked row attends uniformly (no NaN); huge logits stay finite; rank-3 is one head', () => {
    const none = tensor([[false, false, false, false, false]], { dtype: 'bool' });
    const out = dotProductAttention(f64(q as never), f64(k as never), f64(v as never), {
      mask: none,
    });
    expectClose(
      out,
      reference(q, k, v, () => false),
      1e-12,
    );
    const big = f64(q as never).mul(1e4);
    const stable = dotProductAttention(big, f64(k as never), f64(v as never));
    expect(Array.from(stable.data()).every(Number.isFinite)).toBe(true);
    const q3 = f64(q.map((r) => r.map((x) => x[0])) as never);
    const k3 = f64(k.map((r) => r.map((x) => x[0])) as never);
    const v3 = f64(v.map((r) => r.map((x) => x[0])) as never);
    const single = reference(
      q.map((r) => r.map((x) => [x[0]])),
      k.map((r) => r.map((x) => [x[0]])),
      v.map((r) => r.map((x) => [x[0]])),
    ).map((r) => r.map((x) => x[0]));
    expectClose(dotProductAttention(q3, k3, v3), single, 1e-12);
  });

  test('gradients check; mismatched shapes and dtypes are named', () => {
    const qs = f64(rand4([1, 2, 1, 3], 4) as never);
    const ks = f64(rand4([1, 3, 1, 3], 5) as never);
    const vs = f64(rand4([1, 3, 1, 2], 6) as never);
    const bias = f64([
      [
        [
          [0.1, -0.2, 0.3],
          [0, 0, 0.5],
        ],
      ],
    ] as never);
    checkGrads(
      (a: Tensor, b: Tensor, c: Tensor) => sum(dotProductAttention(a, b, c, { bias }).mul(c.sum())),
      [qs, ks, vs],
    );
    expect(() => dotProductAttention(qs, f64(rand4([1, 3, 1, 4], 1) as never), vs)).toThrow(
      /dotProductAttention: query float64\[1, 2, 1, 3\], key float64\[1, 3, 1, 4\], value float64\[1, 3, 1, 2\] do not fit/,
    );
    expect(() => dotProductAttention(qs, ks, vs.astype('float32'))).toThrow(DtypeError);
  });
});

describe('multiHeadAttention', () => {
  test('equals per-head projections + attention + output projection written out; works under jit', () => {
    const p = multiHeadAttention.init(random.key(0), {
      numHeads: 2,
      queryFeatures: 4,
      dtype: 'float64',
    });
    expect(p.query.w.shape).toEqual([4, 2, 2]);
    expect(p.out.w.shape).toEqual([2, 2, 4]);
    const x = f64(rand4([1, 2, 3, 4], 9)[0] as never); // [2, 3, 4]
    const y = multiHeadAttention.apply(p, x);
    expect(y.shape).toEqual([2, 3, 4]);
    // Written out with plain arrays.
    const arr = (t: Tensor) => t.toArray() as number[][][];
    const proj = (w: number[][][], b: number[][], xs: number[][][]) =>
      xs.map((row) =>
        row.map((xv) =>
          w[0].map((_, n) =>
            w[0][0].map((_, h) => b[n][h] + xv.reduce((a, xd, d) => a + xd * w[d][n][h], 0)),
          ),
        ),
      );
    const xs = arr(x);
    const qh = proj(arr(p.query.w), p.query.b!.toArray() as number[][], xs) as Arr4;
    const kh = proj(arr(p.key.w), p.key.b!.toArray() as number[][], xs) as Arr4;
    const vh = proj(arr(p.value.w), p.value.b!.toArray() as number[][], xs) as Arr4;
    const att = reference(qh, kh, vh);
    const ow = arr(p.out.w);
    const ob = p.out.b!.toArray() as number[];
    const want = att.map((row) =>
      row.map((heads) =>
        ob.map(
          (bo, o) =>
            bo +
            heads.reduce((a, hv, n) => a + hv.reduce((c, val, h) => c + val * ow[n][h][o], 0), 0),
        ),
      ),
    );
    expectClose(y, want, 1e-12);
    const jitted = jit((pp: typeof p, xx: Tensor) => multiHeadAttention.apply(pp, xx));
    expectClose(jitted(p, x), want, 1e-12);
    expect(() => multiHeadAttention.init(random.key(0), { numHeads: 3, queryFeatures: 4 })).toThrow(
      /multiHeadAttention.init: queryFeatures 4 is not divisible by numHeads 3/,
    );
    expect(() => multiHeadAttention.apply(p, f64([[[1, 2]]]))).toThrow(ShapeError);
  });
});
