import { checkGrads, random, sum, type Tensor, tensor } from '@loom/core';
import { describe, expect, test } from 'vitest';
import {
  addRow,
  expectClose,
  f64,
  type Mat,
  map1,
  map2,
  mat,
  mm,
  randMat,
  relu,
  sigma,
  type Vec,
} from '../../test/reference.js';
import type { Cell } from './cell.js';
import { gruCell } from './gru.js';
import { type LstmParams, lstmCell } from './lstm.js';
import { irnn, makeRnnCell, rnnCell } from './rnn.js';

const B = 3;
const IN = 4;
const H = 5;

/** Row-wise concatenation [h, x] of two batches of vectors. */
const hcat = (h: Mat, x: Mat): Mat => h.map((row, i) => [...row, ...x[i]]);
/** Column-wise concatenation of gate blocks into one fused matrix. */
const fuse = (...blocks: Mat[]): Mat => blocks[0].map((_, i) => blocks.flatMap((b) => b[i]));
const fuseVec = (...vs: Vec[]): Vec => vs.flat();

describe('rnnCell', () => {
  const wx = randMat(IN, H, 1, 0.5);
  const wh = randMat(H, H, 2, 0.5);
  const b = randMat(1, H, 3, 0.5)[0];
  const x = randMat(B, IN, 4);
  const h = randMat(B, H, 5);
  const params = { wx: f64(wx), wh: f64(wh), b: f64(b) };

  test.each([
    ['tanh', Math.tanh],
    ['sigmoid', sigma],
    ['relu', relu],
  ] as const)('h′ = %s(x·Wx + h·Wh + b) against plain JS', (act, f) => {
    const cell = makeRnnCell({ activation: act });
    const expected = map1(
      addRow(
        map2(mm(x, wx), mm(h, wh), (a, c) => a + c),
        b,
      ),
      f,
    );
    expectClose(cell.step(params, f64(h), f64(x)), expected, 1e-12);
  });

  test('init shapes, dtype and initial carry', () => {
    const p = rnnCell.init(random.key(0), { inFeatures: IN, hiddenSize: H, dtype: 'float64' });
    expect(p.wx.shape).toEqual([IN, H]);
    expect(p.wh.shape).toEqual([H, H]);
    expect(p.b.shape).toEqual([H]);
    expect(p.wx.dtype).toBe('float64');
    const h0 = rnnCell.initialCarry({ inFeatures: IN, hiddenSize: H }, 7);
    expect(h0.shape).toEqual([7, H]);
    expect(h0.dtype).toBe('float32');
    expect(rnnCell.output(h0)).toBe(h0);
  });

  test('IRNN: ReLU, identity recurrence, tiny input weights', () => {
    const p = irnn.init(random.key(1), { inFeatures: IN, hiddenSize: H, dtype: 'float64' });
    expectClose(
      p.wh,
      Array.from({ length: H }, (_, i) => Array.from({ length: H }, (_, j) => (i === j ? 1 : 0))),
    );
    const wxs = Array.from(p.wx.data());
    const std = Math.sqrt(wxs.reduce((s, v) => s + v * v, 0) / wxs.length);
    expect(std).toBeLessThan(0.003);
    expect(std).toBeGreaterThan(0.0002);
    // With zero input, a positive state is copied unchanged (identity + ReLU).
    const hPos = f64(map1(h, Math.abs));
    expectClose(irnn.step(p, hPos, f64(randMat(B, IN, 0).map((r) => r.map(() => 0)))), mat(hPos));
  });

  test('checkGrads (float64) through one step, for each activation', () => {
    for (const act of ['tanh', 'sigmoid'] as const) {
      const cell = makeRnnCell({ activation: act });
      checkGrads(
        (p: typeof params, hh: Tensor, xx: Tensor) => cell.step(p, hh, xx),
        [params, f64(h), f64(x)],
      );
    }
    // ReLU: inputs away from the kink, so finite differences are valid.
    const cell = makeRnnCell({ activation: 'relu' });
    checkGrads((p: typeof params) => sum(cell.step(p, f64(h), f64(x)).square()), [params]);
  });
});

describe('lstmCell', () => {
  // The gates written separately, as in the formula: W_* act on [h, x] (rows: h first, then x).
  const Wf = randMat(H + IN, H, 11, 0.5);
  const Wi = randMat(H + IN, H, 12, 0.5);
  const Wc = randMat(H + IN, H, 13, 0.5);
  const Wo = randMat(H + IN, H, 14, 0.5);
  const [bf, bi, bc, bo] = [15, 16, 17, 18].map((s) => randMat(1, H, s, 0.5)[0]);
  const x = randMat(B, IN, 19);
  const hPrev = randMat(B, H, 20);
  const cPrev = randMat(B, H, 21);
  // The documented fused layout: [i | f | C̃ | o] along the last axis; wh = rows of h, wx = rows of x.
  const rowsH = (w: Mat) => w.slice(0, H);
  const rowsX = (w: Mat) => w.slice(H);
  const params: LstmParams = {
    wx: f64(fuse(rowsX(Wi), rowsX(Wf), rowsX(Wc), rowsX(Wo))),
    wh: f64(fuse(rowsH(Wi), rowsH(Wf), rowsH(Wc), rowsH(Wo))),
    b: f64(fuseVec(bi, bf, bc, bo)),
  };

  test('one step equals the formula evaluated in plain JS', () => {
    const hx = hcat(hPrev, x);
    const f = map1(addRow(mm(hx, Wf), bf), sigma);
    const i = map1(addRow(mm(hx, Wi), bi), sigma);
    const cTilde = map1(addRow(mm(hx, Wc), bc), Math.tanh);
    const c = map2(
      map2(f, cPrev, (a, b) => a * b),
      map2(i, cTilde, (a, b) => a * b),
      (a, b) => a + b,
    );
    const o = map1(addRow(mm(hx, Wo), bo), sigma);
    const h = map2(o, map1(c, Math.tanh), (a, b) => a * b);
    const out = lstmCell.step(params, { c: f64(cPrev), h: f64(hPrev) }, f64(x));
    expectClose(out.c, c, 1e-12);
    expectClose(out.h, h, 1e-12);
    expect(lstmCell.output(out)).toBe(out.h);
  });

  test('init: fused shapes and the forget bias (default 1, configurable)', () => {
    const cfg = { inFeatures: IN, hiddenSize: H, dtype: 'float64' as const };
    const p = lstmCell.init(random.key(2), cfg);
    expect(p.wx.shape).toEqual([IN, 4 * H]);
    expect(p.wh.shape).toEqual([H, 4 * H]);
    const blocks = (v: Vec) => [0, 1, 2, 3].map((k) => v.slice(k * H, (k + 1) * H));
    const [bi0, bf0, bc0, bo0] = blocks(Array.from(p.b.data()));
    expect(bf0).toEqual(new Array(H).fill(1));
    expect([...bi0, ...bc0, ...bo0]).toEqual(new Array(3 * H).fill(0));
    const p2 = lstmCell.init(random.key(2), { ...cfg, forgetBias: 0.25 });
    expect(blocks(Array.from(p2.b.data()))[1]).toEqual(new Array(H).fill(0.25));
    const carry = lstmCell.initialCarry(cfg, 2);
    expect(carry.c.shape).toEqual([2, H]);
    expect(carry.h.dtype).toBe('float64');
  });

  test('checkGrads (float64) through one step', () => {
    checkGrads(
      (p: LstmParams, c: Tensor, h: Tensor, xx: Tensor) => lstmCell.step(p, { c, h }, xx),
      [params, f64(cPrev), f64(hPrev), f64(x)],
    );
  });
});

describe('gruCell', () => {
  const [Wxr, Wxz, Wxn] = [31, 32, 33].map((s) => randMat(IN, H, s, 0.5));
  const [Whr, Whz, Whn] = [34, 35, 36].map((s) => randMat(H, H, s, 0.5));
  const [bxr, bxz, bxn, bhr, bhz, bhn] = [37, 38, 39, 40, 41, 42].map(
    (s) => randMat(1, H, s, 0.5)[0],
  );
  const x = randMat(B, IN, 43);
  const h = randMat(B, H, 44);
  const params = {
    wx: f64(fuse(Wxr, Wxz, Wxn)),
    wh: f64(fuse(Whr, Whz, Whn)),
    bx: f64(fuseVec(bxr, bxz, bxn)),
    bh: f64(fuseVec(bhr, bhz, bhn)),
  };
  const plus = (a: Mat, b: Mat) => map2(a, b, (u, v) => u + v);

  test('one step equals the PyTorch/Cho et al. formula in plain JS', () => {
    const r = map1(plus(addRow(mm(x, Wxr), bxr), addRow(mm(h, Whr), bhr)), sigma);
    const z = map1(plus(addRow(mm(x, Wxz), bxz), addRow(mm(h, Whz), bhz)), sigma);
    const n = map1(
      plus(
        addRow(mm(x, Wxn), bxn),
        map2(r, addRow(mm(h, Whn), bhn), (a, b) => a * b),
      ),
      Math.tanh,
    );
    const expected = n.map((row, i) => row.map((nv, j) => (1 - z[i][j]) * nv + z[i][j] * h[i][j]));
    expectClose(gruCell.step(params, f64(h), f64(x)), expected, 1e-12);
  });

  test('init shapes', () => {
    const p = gruCell.init(random.key(3), { inFeatures: IN, hiddenSize: H });
    expect(p.wx.shape).toEqual([IN, 3 * H]);
    expect(p.wh.shape).toEqual([H, 3 * H]);
    expect(p.bx.shape).toEqual([3 * H]);
    expect(p.bh.shape).toEqual([3 * H]);
  });

  test('checkGrads (float64) through one step', () => {
    checkGrads(
      (p: typeof params, hh: Tensor, xx: Tensor) => gruCell.step(p, hh, xx),
      [params, f64(h), f64(x)],
    );
  });
});

test('cells accept float32 too and keep the dtype', () => {
  const cfg = { inFeatures: 2, hiddenSize: 3 };
  const x = tensor([[0.1, 0.2]]);
  const outputDtype = <P, C>(cell: Cell<P, C, typeof cfg>) =>
    cell.output(cell.step(cell.init(random.key(4), cfg), cell.initialCarry(cfg, 1), x)).dtype;
  expect(outputDtype(rnnCell)).toBe('float32');
  expect(outputDtype(gruCell)).toBe('float32');
  expect(outputDtype(lstmCell)).toBe('float32');
});
