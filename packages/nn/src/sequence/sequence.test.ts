import { checkGrads, concat, grad, random, stack, sum, type Tensor, tensor } from '@loom/core';
import { describe, expect, test } from 'vitest';
import { expectClose, f64, randMat } from '../../test/reference.js';
import type { Cell } from '../cells/cell.js';
import { gruCell } from '../cells/gru.js';
import { type LstmCarry, type LstmParams, lstmCell } from '../cells/lstm.js';
import { rnnCell } from '../cells/rnn.js';
import { bidirectional, bidirectionalInit } from './bidirectional.js';
import { rnn } from './rnn.js';
import { stacked, stackedInit } from './stacked.js';

const T = 5;
const B = 3;
const IN = 2;
const H = 4;
const cfg = { inFeatures: IN, hiddenSize: H, dtype: 'float64' as const };
const xsArr = Array.from({ length: T }, (_, t) => randMat(B, IN, 100 + t));
const xs = f64(xsArr);
/** These suites feed time-major data; the batch-major default is tested below. */
const TM = { timeMajor: true } as const;

/** The reference: a plain JS loop calling the cell step by step. */
function loop<P, C>(cell: Cell<P, C, never>, params: P, xsT: Tensor, carry: C, reverse = false) {
  const steps = Array.from({ length: xsT.shape[0] }, (_, t) => t);
  const outs: Tensor[] = new Array(steps.length);
  for (const t of reverse ? steps.reverse() : steps) {
    carry = cell.step(params, carry, f64(xsArr[t]));
    outs[t] = cell.output(carry);
  }
  return { outputs: stack(outs), carry };
}

describe('rnn over scan equals a plain loop of the cell', () => {
  const lstmParams = lstmCell.init(random.key(0), cfg);
  const carry0 = lstmCell.initialCarry(cfg, B);

  test.each([false, true])('LSTM, reverse=%s', (reverse) => {
    const got = rnn(lstmCell, lstmParams, xs, carry0, { reverse, timeMajor: true });
    const want = loop(lstmCell, lstmParams, xs, carry0, reverse);
    expect(got.outputs.shape).toEqual([T, B, H]);
    expectClose(got.outputs, want.outputs.toArray(), 1e-12);
    expectClose(got.carry.c, want.carry.c.toArray(), 1e-12);
    expectClose(got.carry.h, want.carry.h.toArray(), 1e-12);
  });

  test('GRU and tanh RNN', () => {
    for (const cell of [gruCell, rnnCell] as Cell<unknown, Tensor, never>[]) {
      const p = (cell as Cell<unknown, Tensor, typeof cfg>).init(random.key(1), cfg);
      const h0 = f64(randMat(B, H, 7));
      const got = rnn(cell, p, xs, h0, TM);
      const want = loop(cell, p, xs, h0);
      expectClose(got.outputs, want.outputs.toArray(), 1e-12);
      expectClose(got.carry, want.carry.toArray(), 1e-12);
    }
  });

  test('checkGrads (float64) through the whole sequence (BPTT)', () => {
    const small = lstmCell.init(random.key(2), { ...cfg, hiddenSize: 3 });
    const c0 = lstmCell.initialCarry({ ...cfg, hiddenSize: 3 }, B);
    checkGrads(
      (p: LstmParams, x: Tensor) => {
        const r = rnn(lstmCell, p, x, c0, TM);
        return sum(r.outputs.square()).add(sum(r.carry.c));
      },
      [small, xs],
    );
    const g = gruCell.init(random.key(3), cfg);
    checkGrads(
      (p: typeof g, h0: Tensor) =>
        rnn(gruCell, p, xs, h0, { reverse: true, timeMajor: true }).outputs,
      [g, f64(randMat(B, H, 8))],
    );
  });

  test('rejects xs of rank < 3, naming both layouts', () => {
    expect(() => rnn(lstmCell, lstmParams, f64(randMat(B, IN, 1)), carry0)).toThrow(
      /rnn: xs has shape \[3, 2\]; it must be batch-major \[B, T, in\] .*timeMajor: true/,
    );
  });
});

describe('bidirectional', () => {
  const params = bidirectionalInit(random.key(4), lstmCell, cfg);
  const carry0 = {
    forward: lstmCell.initialCarry(cfg, B),
    backward: lstmCell.initialCarry(cfg, B),
  };

  test('concatenates a forward and a reverse pass on the feature axis', () => {
    const got = bidirectional(lstmCell, params, xs, carry0, TM);
    const fwd = loop(lstmCell, params.forward, xs, carry0.forward);
    const bwd = loop(lstmCell, params.backward, xs, carry0.backward, true);
    expect(got.outputs.shape).toEqual([T, B, 2 * H]);
    expectClose(got.outputs, concat([fwd.outputs, bwd.outputs], -1).toArray(), 1e-12);
    expectClose(got.carry.forward.h, fwd.carry.h.toArray(), 1e-12);
    expectClose(got.carry.backward.h, bwd.carry.h.toArray(), 1e-12);
  });

  test('checkGrads (float64)', () => {
    const small = bidirectionalInit(random.key(5), rnnCell, { ...cfg, hiddenSize: 2 });
    const h0 = rnnCell.initialCarry({ ...cfg, hiddenSize: 2 }, B);
    checkGrads(
      (p: typeof small) => bidirectional(rnnCell, p, xs, { forward: h0, backward: h0 }, TM).outputs,
      [small],
    );
  });
});

describe('stacked', () => {
  const cells = [lstmCell, lstmCell];
  const configs = [cfg, { ...cfg, inFeatures: H }];
  const params = stackedInit(random.key(6), cells, configs);
  const carries = configs.map((c) => lstmCell.initialCarry(c, B));

  test('layer l reads the outputs of layer l − 1', () => {
    const got = stacked(cells, params, xs, carries, TM);
    const l0 = loop(lstmCell, params[0], xs, carries[0]);
    // Layer 1's reference loop reads layer 0's outputs step by step.
    let c: LstmCarry = carries[1];
    const outs: Tensor[] = [];
    for (let t = 0; t < T; t++) {
      c = lstmCell.step(params[1], c, l0.outputs.take([t]).reshape([B, H]));
      outs.push(c.h);
    }
    expectClose(got.outputs, stack(outs).toArray(), 1e-12);
    expectClose(got.carry[0].h, l0.carry.h.toArray(), 1e-12);
    expectClose(got.carry[1].c, c.c.toArray(), 1e-12);
  });

  test('mixed cells (GRU over tanh RNN) and checkGrads', () => {
    const mixed = [rnnCell, gruCell] as Cell<unknown, Tensor, never>[];
    const ps = [
      rnnCell.init(random.key(7), cfg),
      gruCell.init(random.key(8), { ...cfg, inFeatures: H }),
    ];
    const h0 = rnnCell.initialCarry(cfg, B);
    checkGrads((p: unknown[]) => stacked(mixed, p, xs, [h0, h0], TM).outputs, [ps]);
  });

  test('errors on mismatched lengths', () => {
    expect(() => stacked(cells, params.slice(0, 1), xs, carries, TM)).toThrow(
      /one params and one carry per cell/,
    );
    expect(() => stackedInit(random.key(0), cells, configs.slice(1))).toThrow(
      /one config per layer/,
    );
  });
});

describe('masks for padded variable-length batches', () => {
  // Lengths 5, 3 and 1, right-padded.
  const lengths = [5, 3, 1];
  const maskArr = Array.from({ length: T }, (_, t) => lengths.map((L) => t < L));
  const mask = tensor(maskArr);
  const params = lstmCell.init(random.key(9), cfg);
  const carry0 = lstmCell.initialCarry(cfg, B);

  /** Runs example b alone on its real steps (batch of one, no mask). */
  function alone(b: number, reverse = false) {
    const seq = f64(xsArr.slice(0, lengths[b]).map((x) => [x[b]]));
    return rnn(lstmCell, params, seq, lstmCell.initialCarry(cfg, 1), { reverse, timeMajor: true });
  }

  test.each([false, true])(
    'final carry is the last real step; padded outputs are 0 (reverse=%s)',
    (reverse) => {
      const got = rnn(lstmCell, params, xs, carry0, { mask, reverse, timeMajor: true });
      const hs = got.outputs.toArray() as number[][][];
      lengths.forEach((L, b) => {
        const ref = alone(b, reverse);
        expectClose(got.carry.h.take([b]), ref.carry.h.toArray(), 1e-12);
        expectClose(got.carry.c.take([b]), ref.carry.c.toArray(), 1e-12);
        const refOut = ref.outputs.toArray() as number[][][];
        for (let t = 0; t < T; t++) {
          expectClose(hs[t][b], t < L ? refOut[t][0] : new Array(H).fill(0), 1e-12);
        }
      });
    },
  );

  test('float masks work like bool masks', () => {
    const a = rnn(lstmCell, params, xs, carry0, { mask, timeMajor: true });
    const b = rnn(lstmCell, params, xs, carry0, { mask: mask.astype('float64'), timeMajor: true });
    expectClose(a.outputs, b.outputs.toArray(), 0);
  });

  test('bidirectional and stacked accept the mask', () => {
    const bi = bidirectional(
      lstmCell,
      { forward: params, backward: params },
      xs,
      { forward: carry0, backward: carry0 },
      { mask, timeMajor: true },
    );
    const ref = alone(1, true);
    expectClose(bi.carry.backward.h.take([1]), ref.carry.h.toArray(), 1e-12);
    const st = stacked([lstmCell], [params], xs, [carry0], { mask, timeMajor: true });
    expectClose(st.carry[0].h.take([1]), alone(1).carry.h.toArray(), 1e-12);
  });

  test('checkGrads (float64) with a mask; padded inputs get zero gradient', () => {
    const small = lstmCell.init(random.key(10), { ...cfg, hiddenSize: 2 });
    const c0 = lstmCell.initialCarry({ ...cfg, hiddenSize: 2 }, B);
    const loss = (p: LstmParams, x: Tensor) => {
      const r = rnn(lstmCell, p, x, c0, { mask, timeMajor: true });
      return sum(r.outputs.square()).add(sum(r.carry.h));
    };
    checkGrads(loss, [small, xs]);
    const gx = grad(loss, { argnums: 1 })(small, xs).toArray() as number[][][];
    lengths.forEach((L, b) => {
      for (let t = 0; t < T; t++) {
        const norm = gx[t][b].reduce((s, v) => s + Math.abs(v), 0);
        if (t < L) expect(norm).toBeGreaterThan(0);
        else expect(norm).toBe(0);
      }
    });
  });

  test('rejects a mask of the wrong shape', () => {
    expect(() =>
      rnn(lstmCell, params, xs, carry0, { mask: tensor([[true, false, true]]), timeMajor: true }),
    ).toThrow(/mask has shape \[1, 3\] but must be \[T, B\] = \[5, 3\]/);
  });
});

test('type check: carry types flow through rnn', () => {
  const p: LstmParams = lstmCell.init(random.key(11), cfg);
  const r = rnn(lstmCell, p, xs, lstmCell.initialCarry(cfg, B), TM);
  const c: LstmCarry = r.carry;
  expect(c.h.shape).toEqual([B, H]);
});

describe('layout: batch-major by default, time-major on request', () => {
  const bm = xs.transpose([1, 0, 2]); // [B, T, in]
  const lstmParams = lstmCell.init(random.key(21), cfg);
  const carry0 = lstmCell.initialCarry(cfg, B);
  const lengths = [5, 2, 4];
  const maskTB = tensor(Array.from({ length: T }, (_, t) => lengths.map((L) => t < L)));

  test('batch-major in and out equals the time-major run transposed (outputs, carry, mask)', () => {
    const tm = rnn(lstmCell, lstmParams, xs, carry0, { mask: maskTB, timeMajor: true });
    const got = rnn(lstmCell, lstmParams, bm, carry0, { mask: maskTB.transpose([1, 0]) });
    expect(got.outputs.shape).toEqual([B, T, H]);
    expectClose(got.outputs, tm.outputs.transpose([1, 0, 2]).toArray(), 0);
    expectClose(got.carry, tm.carry, 0);
    const bi = bidirectional(lstmCell, { forward: lstmParams, backward: lstmParams }, bm, {
      forward: carry0,
      backward: carry0,
    });
    expect(bi.outputs.shape).toEqual([B, T, 2 * H]);
    const st = stacked([lstmCell], [lstmParams], bm, [carry0]);
    expectClose(st.outputs, rnn(lstmCell, lstmParams, bm, carry0).outputs.toArray(), 0);
  });

  test('a layout mistake names the layer and both layouts', () => {
    expect(() => rnn(lstmCell, lstmParams, xs, carry0)).toThrow(
      /rnn: xs \[5, 3, 2\] is read as batch-major \[B, T, in\], so its batch is 5, but carry0 at \.c has 3 rows, the size of xs's axis 1: the data look time-major \[T, B, in\] \(pass \{ timeMajor: true \}\)/,
    );
    expect(() => stacked([lstmCell], [lstmParams], bm, [carry0], { timeMajor: true })).toThrow(
      /stacked: xs \[3, 5, 2\] is read as time-major \[T, B, in\].*the data look batch-major/,
    );
    expect(() =>
      bidirectional(lstmCell, { forward: lstmParams, backward: lstmParams }, xs, {
        forward: carry0,
        backward: carry0,
      }),
    ).toThrow(/^bidirectional: xs \[5, 3, 2\] is read as batch-major/);
    expect(() => rnn(lstmCell, lstmParams, bm, carry0, { mask: maskTB })).toThrow(
      /rnn: the mask has shape \[5, 3\] but must be \[B, T\] = \[3, 5\] to match xs \[3, 5, 2\] \(batch-major\)/,
    );
  });
});
