// The NaN/Infinity debug mode (issue 13, item 6): the first primitive that makes a non-finite
// value from finite inputs raises FloatingPointError naming itself, the shapes and the caller.
import { afterEach, describe, expect, test, vi } from 'vitest';
import {
  add,
  config,
  debugNansEnabled,
  FloatingPointError,
  grad,
  InvalidArgumentError,
  jit,
  log,
  oneHot,
  scan,
  sqrt,
  sum,
  type Tensor,
  take,
  tensor,
} from '../index.js';

const f64 = (x: number[]) => tensor(x, { dtype: 'float64' });

afterEach(() => {
  config.update('debugNans', false);
  vi.unstubAllEnvs();
});

describe('debugNans', () => {
  test('is off by default: log(0) quietly gives -Infinity', () => {
    expect(config.read('debugNans')).toBe(false);
    expect(debugNansEnabled()).toBe(false);
    expect(log(f64([1, 0])).toArray()).toEqual([0, Number.NEGATIVE_INFINITY]);
  });
  test('names the primitive, shapes, dtypes and the call site of an eager NaN', () => {
    config.update('debugNans', true);
    expect(debugNansEnabled()).toBe(true);
    const x = f64([4, -1, 9]);
    expect(() => sqrt(x)).toThrow(FloatingPointError);
    let message = '';
    try {
      sqrt(x);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(
      /^debugNans: sqrt produced NaN from finite inputs: its output has 1 non-finite element, the first at flat index 1\. Inputs: f64\[3\]; outputs: f64\[3\]\./,
    );
    expect(message).toMatch(/Called at .*nans\.test\.ts:\d+:\d+/);
  });
  test('Infinity from finite inputs is caught too; an input already bad is not blamed', () => {
    config.update('debugNans', true);
    expect(() => log(f64([1, 0]))).toThrow(/log produced -Infinity from finite inputs/);
    // The NaN was not made by add: it came in.
    expect(Number.isNaN(add(f64([Number.NaN]), 1).item())).toBe(true);
  });
  test('inside an eager scan the body primitive is named', () => {
    config.update('debugNans', true);
    const run = () =>
      scan(
        (c: Tensor, x: Tensor) => [c.add(log(x)), null] as const,
        f64([0]),
        f64([1, 2, 0, 3]).reshape([4, 1]),
      );
    expect(run).toThrow(/^debugNans: log produced -Infinity/);
  });
  test('under jit the compiled program is re-run interpreted to find the primitive', () => {
    const f = jit(function model(x: Tensor) {
      return sqrt(x.sub(2)).mul(3).add(1);
    });
    // Off: the compiled program returns the NaN.
    expect(Number.isNaN(f(f64([1])).item())).toBe(true);
    config.update('debugNans', true);
    expect(() => f(f64([1]))).toThrow(FloatingPointError);
    expect(() => f(f64([1]))).toThrow(
      /^debugNans: sqrt produced NaN from finite inputs.*Inputs: f64\[1\]; outputs: f64\[1\]\..*\(Found by running the compiled program jit\(model\) again, interpreted/,
    );
    expect(f(f64([6])).item()).toBe(7);
  });
  test('a jitted program run through bind (grad of jit) is checked too', () => {
    config.update('debugNans', true);
    const g = grad(jit((x: Tensor) => sum(log(x).mul(x))));
    expect(() => g(f64([0.5, 0]))).toThrow(/^debugNans: log produced -Infinity/);
    expect(g(f64([1, Math.E])).toArray()).toEqual([1, 2]);
  });
  test('config rejects unknown settings and values of the wrong type', () => {
    expect(() => config.update('debugNan' as never, true as never)).toThrow(InvalidArgumentError);
    expect(() => config.update('debugNan' as never, true as never)).toThrow(
      "config: unknown setting 'debugNan'; the settings are 'debugNans'.",
    );
    expect(() => config.update('debugNans', 1 as never)).toThrow(
      "config.update: 'debugNans' takes a boolean, got number (1).",
    );
  });
  test('LOOM_DEBUG_NANS=1 in the environment turns it on at load', async () => {
    vi.stubEnv('LOOM_DEBUG_NANS', '1');
    vi.resetModules();
    const fresh = await import('./config.js');
    expect(fresh.debugNansEnabled()).toBe(true);
    vi.stubEnv('LOOM_DEBUG_NANS', '0');
    vi.resetModules();
    expect((await import('./config.js')).debugNansEnabled()).toBe(false);
  });
});

describe('debugNans and out-of-range indices under jit (issue 13, item 5)', () => {
  test('a traced out-of-range label (NaN row) raises, naming the out-of-range cause', () => {
    const labels = tensor([0, 7], { dtype: 'int32' });
    const viaOneHot = jit((i: Tensor) => sum(oneHot(i, 3, 'float32')));
    // Off: the bad example's result is NaN, never a plausible finite number.
    expect(Number.isNaN(viaOneHot(labels).item())).toBe(true);
    config.update('debugNans', true);
    expect(() => viaOneHot(labels)).toThrow(FloatingPointError);
    expect(() => viaOneHot(labels)).toThrow(/out-of-range index or label/);
    // take's gather makes the NaN itself, so the re-run names gather.
    const table = tensor([1, 2, 3, 4]);
    const viaTake = jit((i: Tensor) => take(table, i).mul(2));
    expect(() => viaTake(labels)).toThrow(/gather produced NaN/);
  });
});
