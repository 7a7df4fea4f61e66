// The control-flow additions composed with each other and with every transformation: switchCase
// inside foriLoop inside map, under grad, jit, vmap and linearize, against plain-JS references.
import { fc, test as property } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';
import {
  checkGrads,
  foriLoop,
  grad,
  jacfwd,
  jacrev,
  jit,
  linearize,
  map,
  sum,
  switchCase,
  type Tensor,
  tensor,
  vmap,
} from '../src/index.js';

const f64 = (x: number[] | number[][]) => tensor(x, { dtype: 'float64' });
const i32 = (x: number | number[]) => tensor(x, { dtype: 'int32' });

// Per step i of a loop over [0, 4): branch i of three smooth updates (i = 3 clamps to the last).
const update = (w: Tensor) => [
  (h: Tensor) => h.mul(w).tanh(),
  (h: Tensor) => h.add(w).sin(),
  (h: Tensor) => h.mul(h).mul(0.5).add(w),
];
const updateRef = [
  (h: number, w: number) => Math.tanh(h * w),
  (h: number, w: number) => Math.sin(h + w),
  (h: number, w: number) => 0.5 * h * h + w,
];
const loop = (w: Tensor, h0: Tensor) =>
  foriLoop(0, 4, (i: Tensor, h: Tensor) => switchCase(i, update(w), h), h0);
const loopRef = (w: number, h0: number) => {
  let h = h0;
  for (let i = 0; i < 4; i++) h = updateRef[Math.min(i, 2)](h, w);
  return h;
};

describe('switchCase in foriLoop in map', () => {
  const w = 0.8;
  const h0s = [0.1, -0.4, 0.7];
  const program = (wt: Tensor, hs: Tensor) => sum(map((h: Tensor) => loop(wt, h), hs));
  const ref = (wv: number) => h0s.reduce((acc, h) => acc + loopRef(wv, h), 0);

  test('values equal the plain loop, eager and jitted', () => {
    const args = [f64([w]).reshape([]), f64(h0s)] as const;
    expect(program(...args).item()).toBeCloseTo(ref(w), 13);
    expect(jit(program)(...args).item()).toBeCloseTo(ref(w), 13);
  });

  test('grad, jit(grad) and linearize agree with a float64 central difference', () => {
    const eps = 1e-6;
    const fd = (ref(w + eps) - ref(w - eps)) / (2 * eps);
    const wt = f64([w]).reshape([]);
    expect(grad(program)(wt, f64(h0s)).item()).toBeCloseTo(fd, 7);
    expect(jit(grad(program))(wt, f64(h0s)).item()).toBeCloseTo(fd, 7);
    const [, fJvp] = linearize((v: Tensor) => program(v, f64(h0s)), wt);
    expect(fJvp(f64([1]).reshape([])).item()).toBeCloseTo(fd, 7);
    checkGrads(program, [wt, f64(h0s)]);
  });

  test('jacfwd equals jacrev over both arguments', () => {
    const perExample = (wt: Tensor, hs: Tensor) => map((h: Tensor) => loop(wt, h), hs);
    const [fw, fh] = jacfwd(perExample, [0, 1])(f64([w]).reshape([]), f64(h0s));
    const [rw, rh] = jacrev(perExample, [0, 1])(f64([w]).reshape([]), f64(h0s));
    expect(fw.shape).toEqual([3]);
    expect(fh.shape).toEqual([3, 3]);
    fw.data().forEach((v, i) => {
      expect(v).toBeCloseTo(rw.data()[i], 12);
    });
    fh.data().forEach((v, i) => {
      expect(v).toBeCloseTo(rh.data()[i], 12);
    });
  });
});

describe('vmap(switchCase) equals map(switchCase) and the reference (property)', () => {
  const branches = [
    (x: Tensor) => x.exp(),
    (x: Tensor) => x.mul(-2),
    (x: Tensor) => x.cos(),
    (x: Tensor) => x.mul(x),
  ];
  const refs = [Math.exp, (x: number) => -2 * x, Math.cos, (x: number) => x * x];
  const lane = fc.record({
    k: fc.integer({ min: -3, max: 7 }),
    x: fc.double({ min: -2, max: 2, noNaN: true, noDefaultInfinity: true }),
  });
  property.prop([fc.array(lane, { minLength: 1, maxLength: 6 })], { numRuns: 25 })(
    'per-lane indices, clamped',
    (lanes) => {
      const ks = i32(lanes.map((l) => l.k));
      const xs = f64(lanes.map((l) => l.x));
      const sw = (k: Tensor, x: Tensor) => switchCase(k, branches, x);
      const viaVmap = vmap(sw)(ks, xs).data();
      const viaMap = map((p: [Tensor, Tensor]) => sw(p[0], p[1]), [ks, xs] as [
        Tensor,
        Tensor,
      ]).data();
      lanes.forEach(({ k, x }, i) => {
        const want = refs[Math.min(Math.max(k, 0), 3)](x);
        expect(viaVmap[i]).toBeCloseTo(want, 13);
        expect(viaMap[i]).toBe(viaVmap[i]);
      });
    },
  );
});
