// Issue 13 item 8: optimizer, schedule, layer and cell options are validated where they are
// built, and an optimizer state that does not match the gradients is an error naming the paths.
import {
  DtypeError,
  InvalidArgumentError,
  jit,
  random,
  type Tensor,
  TreeStructureError,
  tensor,
  tree,
} from '@loom/core';
import { describe, expect, test } from 'vitest';
import { gruCell } from '../src/cells/gru.js';
import { lstmCell } from '../src/cells/lstm.js';
import { rnnCell } from '../src/cells/rnn.js';
import { embedding } from '../src/layers/embedding.js';
import { linear } from '../src/layers/linear.js';
import { adagrad, adam, adamw, rmsprop, sgd } from '../src/optim/alias.js';
import { applyUpdates } from '../src/optim/base.js';
import {
  cosineDecaySchedule,
  exponentialDecay,
  linearSchedule,
  warmupCosineDecaySchedule,
} from '../src/optim/schedule.js';
import { scaleByAdam, trace } from '../src/optim/transform.js';

const bad = <T>(x: unknown) => x as T;

function messageOf(f: () => unknown, cls: new (...a: never[]) => Error = InvalidArgumentError) {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(cls);
    return (e as Error).message;
  }
  throw new Error('expected an error');
}

describe('optimizer options', () => {
  test.each([
    ['adam(-1)', () => adam(-1), /^adam: lr must be a finite number > 0 or a schedule .*got -1\.$/],
    ['adam(0)', () => adam(0), /^adam: lr .* got 0\./],
    ["adam('0.01')", () => adam(bad('0.01')), /^adam: lr must be .* got "0\.01" \(string\)\.$/],
    ['sgd(NaN)', () => sgd(Number.NaN), /^sgd: lr .* got NaN\./],
    [
      'sgd momentum 1.5',
      () => sgd(0.1, { momentum: 1.5 }),
      /^sgd: momentum must be a finite number in \[0, 1\), got 1\.5\.$/,
    ],
    [
      'sgd nesterov alone',
      () => sgd(0.1, { nesterov: true }),
      /^sgd: nesterov must be used with a momentum/,
    ],
    [
      'adam b1 = 1',
      () => adam(1e-3, { b1: 1 }),
      /^adam: b1 must be a finite number in \[0, 1\), got 1\./,
    ],
    [
      'adam b2 string',
      () => adam(1e-3, { b2: bad('0.9') }),
      /^adam: b2 must be .* got "0\.9" \(string\)/,
    ],
    [
      'adam eps < 0',
      () => adam(1e-3, { eps: -1e-8 }),
      /^adam: eps must be a finite number in \[0, ∞\)/,
    ],
    [
      'adamw weightDecay',
      () => adamw(1e-3, { weightDecay: -0.1 }),
      /^adamw: weightDecay must be a finite number in \[0, ∞\), got -0\.1\./,
    ],
    [
      'rmsprop decay',
      () => rmsprop(1e-3, { decay: 2 }),
      /^rmsprop: decay must be a finite number in \[0, 1\]/,
    ],
    [
      'rmsprop centered',
      () => rmsprop(1e-3, { centered: bad('yes') }),
      /^rmsprop: centered must be true or false/,
    ],
    [
      'adagrad initial value',
      () => adagrad(0.1, { initialAccumulatorValue: -1 }),
      /^adagrad: initialAccumulatorValue must be/,
    ],
    [
      'trace decay missing',
      () => trace(bad({})),
      /^trace: decay must be a finite number in \[0, 1\), got undefined\./,
    ],
  ])('%s', (_, f, re) => {
    expect(messageOf(f)).toMatch(re);
  });

  test('misspelled keys are listed with the valid ones', () => {
    const msg = messageOf(() => adam(1e-3, bad({ beta1: 0.9 })));
    expect(msg).toMatch(/^adam: unknown option 'beta1'/);
    expect(msg).toMatch(/valid options are 'b1', 'b2', 'eps', 'epsRoot'/);
    expect(messageOf(() => sgd(0.1, bad({ momentun: 0.9 })))).toMatch(
      /sgd: unknown option 'momentun' \('momentun': did you mean 'momentum'\?\).*'momentum', 'nesterov'/,
    );
    expect(messageOf(() => scaleByAdam(bad({ b3: 1 })))).toMatch(
      /^scaleByAdam: unknown option 'b3'/,
    );
  });

  test('valid options still build working optimizers (boundaries included)', () => {
    const schedule = linearSchedule(0.1, 0, 10);
    for (const opt of [
      sgd(0.1, { momentum: 0, nesterov: true }),
      sgd(schedule, { momentum: 0.9 }),
      adam(1e-3, { b1: 0, b2: 0.999, eps: 0, epsRoot: 0 }),
      adamw(1e-3, { weightDecay: 0 }),
      rmsprop(1e-3, { decay: 1, centered: true, momentum: 0.5 }),
      adagrad(0.1, { initialAccumulatorValue: 0 }),
    ]) {
      const p = { w: tensor([1, 2]) };
      const [u] = opt.update({ w: tensor([0.5, -0.5]) }, opt.init(p), p);
      expect(Array.from((u.w as Tensor).data()).every(Number.isFinite)).toBe(true);
    }
  });
});

describe('schedule options', () => {
  test.each([
    [
      () => linearSchedule(bad('1'), 0, 10),
      /^linearSchedule: initValue must be a finite number, got "1"/,
    ],
    [
      () => linearSchedule(1, Number.POSITIVE_INFINITY, 10),
      /^linearSchedule: endValue must be a finite number, got Infinity/,
    ],
    [
      () => exponentialDecay(bad({ initValue: 1, transitionSteps: 10, decay: 0.5 })),
      /^exponentialDecay: unknown option 'decay'.*'decayRate'/,
    ],
    [
      () => exponentialDecay(bad({ initValue: 1, transitionSteps: 10 })),
      /^exponentialDecay: decayRate must be a finite number, got undefined/,
    ],
    [
      () =>
        exponentialDecay(bad({ initValue: 1, transitionSteps: 10, decayRate: 0.5, staircase: 1 })),
      /staircase must be true or false/,
    ],
    [
      () => cosineDecaySchedule(bad({ initValue: 1, decaySteps: 10, alpah: 0 })),
      /^cosineDecaySchedule: unknown option 'alpah'/,
    ],
    [
      () => warmupCosineDecaySchedule(bad({ initValue: 0, peakValue: 1, warmupSteps: 2 })),
      /decaySteps must be a finite number, got undefined/,
    ],
  ])('%#', (f, re) => {
    expect(messageOf(f)).toMatch(re);
  });
});

describe('layer and cell configurations', () => {
  const key = random.key(0);
  test.each([
    [
      () => linear.init(key, bad({ inFeatures: 2, outFeature: 3 })),
      /^linear\.init: unknown option 'outFeature'/,
    ],
    [
      () => linear.init(key, { inFeatures: 2, outFeatures: 0 }),
      /^linear\.init: outFeatures must be an integer ≥ 1, got 0\./,
    ],
    [
      () => linear.init(key, { inFeatures: 2.5, outFeatures: 3 }),
      /inFeatures must be an integer ≥ 1, got 2\.5/,
    ],
    [
      () => linear.init(key, bad({ inFeatures: 2, outFeatures: 3, bias: 'no' })),
      /bias must be true or false/,
    ],
    [
      () => embedding.init(key, bad({ numEmbeddings: 10, features: 4, dtype: 'int32' })),
      /^embedding\.init: dtype must be one of 'float32', 'float64', got "int32"/,
    ],
    [
      () => lstmCell.init(key, bad({ inFeatures: 2, hiddenSize: '8' })),
      /^lstmCell\.init: hiddenSize must be an integer ≥ 1, got "8" \(string\)/,
    ],
    [
      () => lstmCell.init(key, { inFeatures: 2, hiddenSize: 8, forgetBias: Number.NaN }),
      /forgetBias must be a finite number, got NaN/,
    ],
    [
      () => gruCell.init(key, bad({ inFeatures: 2, hiddenSize: 3, biasInt: () => 0 })),
      /^gruCell\.init: unknown option 'biasInt'.*'biasInit'/,
    ],
    [
      () => rnnCell.init(key, bad({ inFeatures: 2, hiddenSize: 3, inputInit: 0.1 })),
      /^rnnCell\.init: inputInit must be a function, got 0\.1/,
    ],
  ])('%#', (f, re) => {
    expect(messageOf(f)).toMatch(re);
  });
});

describe('optimizer state against the gradients', () => {
  const params = { layer: { w: tensor([[1, 2]]), b: tensor([0]) } };
  const grads = { layer: { w: tensor([[0.1, 0.2]]), b: tensor([0.3]) } };

  test('a float64 state for float32 params names the leaves', () => {
    const opt = adam(1e-3);
    const state = opt.init(params);
    const wide = tree.map((x: Tensor) => (x.dtype === 'float32' ? x.astype('float64') : x), state);
    const msg = messageOf(() => opt.update(grads, wide, params), DtypeError);
    expect(msg).toMatch(/^scaleByAdam: the optimizer state does not match the updates/);
    expect(msg).toContain('state.mu.layer.b: float64[1] in the state vs float32[1] in the updates');
    expect(msg).toContain(
      'state.mu.layer.w: float64[1, 2] in the state vs float32[1, 2] in the updates',
    );
  });

  test('a state for other shapes or another tree names the path', () => {
    const opt = sgd(0.1, { momentum: 0.9 });
    const other = opt.init({ layer: { w: tensor([[1, 2, 3]]), b: tensor([0]) } });
    expect(messageOf(() => opt.update(grads, other, params), DtypeError)).toContain(
      'state.trace.layer.w: float32[1, 3] in the state vs float32[1, 2] in the updates',
    );
    const renamed = opt.init({ layer: { w: tensor([[1, 2]]), bias: tensor([0]) } });
    expect(messageOf(() => opt.update(grads, renamed, params), TreeStructureError)).toMatch(
      /^trace: the state's state\.trace does not have the structure of the updates.*layer/,
    );
  });

  test('a float count is refused', () => {
    const opt = adam(1e-3);
    const [s, lr] = opt.init(params);
    const broken = [{ ...s, count: tensor(0) }, lr] as [typeof s, typeof lr];
    expect(messageOf(() => opt.update(grads, broken, params), DtypeError)).toMatch(
      /scaleByAdam: state\.count must be an int32 scalar, got float32\[\]/,
    );
  });

  test('the check also runs under jit (on avals) and a matching state trains', () => {
    const opt = adam(0.1);
    const step = jit((p: typeof params, s: ReturnType<typeof opt.init>, g: typeof grads) => {
      const [u, next] = opt.update(g, s, p);
      return [applyUpdates(p, u), next] as const;
    });
    const [p1] = step(params, opt.init(params), grads);
    // Adam's first step moves each weight by lr against the gradient's sign.
    expect((p1.layer.w.toArray() as number[][])[0][0]).toBeCloseTo(0.9, 5);
    const wide = tree.map(
      (x: Tensor) => (x.dtype === 'float32' ? x.astype('float64') : x),
      opt.init(params),
    );
    expect(() => step(params, wide, grads)).toThrow(/state\.mu\.layer\.w: float64\[1, 2\]/);
  });
});
