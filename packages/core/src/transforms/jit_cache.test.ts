// jit's signature cache (issue 13, item 1): static arguments are keyed so that no two values
// jit must treat differently share a program, the cache is bounded (LRU), and a function that
// keeps being retraced warns once, saying what changed.
import { afterEach, describe, expect, test, vi } from 'vitest';
import {
  DEFAULT_JIT_CACHE_SIZE,
  DEFAULT_RETRACE_WARNING_THRESHOLD,
  div,
  InvalidArgumentError,
  jit,
  mul,
  scalar,
  sin,
  type Tensor,
  tanh,
  tensor,
} from '../index.js';

const f64 = (x: number[]) => tensor(x, { dtype: 'float64' });
const x0 = f64([0.5, -1.25]);

afterEach(() => {
  vi.restoreAllMocks();
});

describe('static argument keys', () => {
  test('NaN, Infinity and -Infinity each get their own program', () => {
    const k = jit((x: Tensor, s: number) => mul(x, s), { staticArgnums: [1] });
    expect(k(x0, Number.POSITIVE_INFINITY).toArray()).toEqual([
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
    ]);
    expect(Array.from(k(x0, Number.NaN).data()).every(Number.isNaN)).toBe(true);
    expect(k(x0, Number.NEGATIVE_INFINITY).toArray()).toEqual([
      Number.NEGATIVE_INFINITY,
      Number.POSITIVE_INFINITY,
    ]);
    expect(k.cacheSize).toBe(3);
    // NaN is one value (Object.is): a second NaN call reuses its program.
    k(x0, Number.NaN);
    expect(k.traceCount).toBe(3);
  });
  test('-0 and 0 are different static values (1 / (x * s) tells them apart)', () => {
    const k = jit((x: Tensor, s: number) => div(1, mul(x, s)), { staticArgnums: [1] });
    const pos = f64([2]);
    expect(k(pos, 0).item()).toBe(Number.POSITIVE_INFINITY);
    expect(k(pos, -0).item()).toBe(Number.NEGATIVE_INFINITY);
  });
  test('functions are keyed by identity: tanh then sin runs sin', () => {
    const k2 = jit((x: Tensor, f: (t: Tensor) => Tensor) => f(x), { staticArgnums: [1] });
    const t = k2(x0, tanh).toArray() as number[];
    const s = k2(x0, sin).toArray() as number[];
    expect(t[0]).toBeCloseTo(Math.tanh(0.5), 14);
    expect(s[0]).toBeCloseTo(Math.sin(0.5), 14);
    expect(s[1]).toBeCloseTo(Math.sin(-1.25), 14);
    k2(x0, tanh);
    expect(k2.traceCount).toBe(2);
  });
  test('config objects holding functions are keyed by those functions', () => {
    type Config = { act: (t: Tensor) => Tensor; scale: number };
    const layer = jit((x: Tensor, c: Config) => c.act(x).mul(c.scale), { staticArgnums: [1] });
    const a = layer(x0, { act: tanh, scale: 2 }).toArray() as number[];
    const b = layer(x0, { act: sin, scale: 2 }).toArray() as number[];
    expect(a[0]).toBeCloseTo(2 * Math.tanh(0.5), 14);
    expect(b[0]).toBeCloseTo(2 * Math.sin(0.5), 14);
  });
  test('plain objects and arrays compare structurally, keys in any order', () => {
    let traces = 0;
    const f = jit(
      (x: Tensor, c: { a: number; b: number[] }) => {
        traces++;
        return x.mul(c.a + c.b[1]);
      },
      { staticArgnums: [1] },
    );
    expect(f(x0, { a: 1, b: [2, 3] }).toArray()).toEqual([2, -5]);
    expect(f(x0, { b: [2, 3], a: 1 }).toArray()).toEqual([2, -5]);
    expect(traces).toBe(1);
    expect(f(x0, { a: 1, b: [2, 4] }).toArray()).toEqual([2.5, -6.25]);
    expect(traces).toBe(2);
  });
  test('undefined differs from null and from a missing key; bigints from numbers', () => {
    const f = jit((x: Tensor, _c: unknown) => x.mul(2), { staticArgnums: [1] });
    f(x0, [null]);
    f(x0, [undefined]);
    f(x0, { a: undefined });
    f(x0, {});
    f(x0, 1);
    f(x0, 1n as unknown);
    f(x0, '1');
    expect(f.traceCount).toBe(7);
  });
  test('class instances are keyed by identity, not by their fields', () => {
    class Schedule {
      constructor(readonly rate: number) {}
    }
    const f = jit((x: Tensor, s: Schedule) => x.mul(s.rate), { staticArgnums: [1] });
    const first = new Schedule(2);
    expect(f(x0, first).toArray()).toEqual([1, -2.5]);
    expect(f(x0, new Schedule(2)).toArray()).toEqual([1, -2.5]);
    expect(f(x0, first).toArray()).toEqual([1, -2.5]);
    expect(f.traceCount).toBe(2);
  });
  test('deeply nested static configuration is keyed without recursion (depth 10,000)', () => {
    const nest = (depth: number, leaf: number): unknown => {
      let v: unknown = leaf;
      for (let i = 0; i < depth; i++) v = [v];
      return v;
    };
    const f = jit((x: Tensor, _c: unknown) => x.mul(2), { staticArgnums: [1] });
    f(x0, nest(10_000, 1));
    f(x0, nest(10_000, 1));
    f(x0, nest(10_000, 2));
    expect(f.traceCount).toBe(2);
  });
  test('a Tensor, a cyclic object or a symbol as a static argument is a typed error', () => {
    const f = jit((x: Tensor, _c: unknown) => x, { staticArgnums: [1] });
    expect(() => f(x0, { w: scalar(1) })).toThrow(InvalidArgumentError);
    expect(() => f(x0, { w: scalar(1) })).toThrow(
      /jit: static argument 1 \(listed in staticArgnums\) at \.w is a Tensor f32\[\].*pass tensors as dynamic/,
    );
    const cyclic: { self?: unknown } = {};
    cyclic.self = [cyclic];
    expect(() => f(x0, cyclic)).toThrow(
      /static argument 1 .* at \.self\[0\] is a cyclic structure/,
    );
    expect(() => f(x0, Symbol('mode'))).toThrow(
      /static argument 1 .* is a symbol \(Symbol\(mode\)\)/,
    );
  });
});

describe('cache bound and retrace warning', () => {
  test(`the cache keeps the ${DEFAULT_JIT_CACHE_SIZE} most recent signatures by default`, () => {
    expect(DEFAULT_JIT_CACHE_SIZE).toBe(64);
    const f = jit((x: Tensor) => x.mul(2), { retraceWarningThreshold: Number.POSITIVE_INFINITY });
    for (let n = 1; n <= 100; n++) f(f64(new Array(n).fill(1)));
    expect(f.traceCount).toBe(100);
    expect(f.cacheSize).toBe(DEFAULT_JIT_CACHE_SIZE);
  });
  test('least recently used signatures are dropped first (maxCacheSize 3)', () => {
    const f = jit((x: Tensor) => x.add(1), {
      maxCacheSize: 3,
      retraceWarningThreshold: Number.POSITIVE_INFINITY,
    });
    const sized = (n: number) => f64(new Array(n).fill(0));
    for (const n of [1, 2, 3]) f(sized(n));
    f(sized(1)); // touch 1: now 2 is the oldest
    f(sized(4)); // evicts 2
    expect(f.cacheSize).toBe(3);
    expect(f.traceCount).toBe(4);
    for (const n of [1, 3, 4]) f(sized(n));
    expect(f.traceCount).toBe(4);
    expect(f(sized(2)).toArray()).toEqual([1, 1]);
    expect(f.traceCount).toBe(5);
  });
  test('warns once, naming the function and the changing shapes, after the threshold', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(DEFAULT_RETRACE_WARNING_THRESHOLD).toBe(20);
    const step = jit(function trainStep(x: Tensor) {
      return x.mul(3);
    });
    for (let n = 1; n <= DEFAULT_RETRACE_WARNING_THRESHOLD; n++) step(f64(new Array(n).fill(1)));
    expect(warn).not.toHaveBeenCalled();
    for (let n = 21; n <= 30; n++) step(f64(new Array(n).fill(1)));
    expect(warn).toHaveBeenCalledTimes(1);
    const message = String(warn.mock.calls[0][0]);
    expect(message).toMatch(
      /^jit\(trainStep\) has been traced 21 times \(retraceWarningThreshold 20\)/,
    );
    expect(message).toMatch(/input shapes\/dtypes \(21 different: f64\[1\] \.\.\. f64\[21\]\)/);
    expect(message).not.toMatch(/static argument \d/);
  });
  test('the warning names a static argument that keeps changing', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const f = jit((x: Tensor, step: number) => x.mul(step), {
      staticArgnums: [1],
      retraceWarningThreshold: 3,
    });
    for (let i = 0; i < 6; i++) f(x0, i);
    expect(warn).toHaveBeenCalledTimes(1);
    const message = String(warn.mock.calls[0][0]);
    expect(message).toMatch(/traced 4 times .*static argument 1 \(4 different values\)/);
    expect(message).not.toMatch(/input shapes/);
  });
  test('the warning says when signatures were dropped from a too small cache', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const f = jit((x: Tensor) => x.mul(2), { maxCacheSize: 1, retraceWarningThreshold: 3 });
    for (const n of [1, 2, 1, 2]) f(f64(new Array(n).fill(1)));
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(
      /3 signatures were dropped from the cache \(maxCacheSize 1\) and 2 traces repeated a dropped signature/,
    );
  });
});

describe('jit options', () => {
  test('unknown option keys are typed errors listing the valid keys', () => {
    const f = (x: Tensor) => x;
    expect(() => jit(f, { debugNans: true } as never)).toThrow(InvalidArgumentError);
    expect(() => jit(f, { debugNans: true } as never)).toThrow(
      "jit: unknown option 'debugNans'; valid options are 'staticArgnums', 'maxCacheSize', 'retraceWarningThreshold', 'backend'.",
    );
    expect(() => jit(f, { staticArgnum: [1] } as never)).toThrow(
      /unknown option 'staticArgnum' \('staticArgnum': did you mean 'staticArgnums'\?\)/,
    );
  });
  test('cache options must be positive integers', () => {
    const f = (x: Tensor) => x;
    expect(() => jit(f, { maxCacheSize: 0 })).toThrow(
      'jit: maxCacheSize must be a positive integer or Infinity, got 0.',
    );
    expect(() => jit(f, { retraceWarningThreshold: 2.5 })).toThrow(
      'jit: retraceWarningThreshold must be a positive integer or Infinity, got 2.5.',
    );
  });
});
