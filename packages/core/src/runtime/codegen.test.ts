// Under a Content-Security-Policy without 'unsafe-eval' (forced here), eager operations, grad,
// scan and jit still run: kernels as closures, trees without specialised functions, jit
// interpreted; runtimeInfo and lower() say so.
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { grad, jit, runtimeInfo, scan, type Tensor, tensor } from '../index.js';
import { flatten } from '../tree/tree.js';
import { canGenerateCode, forbidCodeGeneration } from './codegen.js';
import { resetFeatures } from './features.js';

// Before any kernel is built in this file, so every kernel below takes the closure form.
forbidCodeGeneration(true);
afterAll(() => forbidCodeGeneration(undefined));
afterEach(() => {
  vi.unstubAllEnvs();
  resetFeatures();
});

const close = (actual: Tensor, expected: number[]) => {
  const a = Array.from(actual.data());
  expect(a.length).toBe(expected.length);
  a.forEach((v, i) => {
    expect(v).toBeCloseTo(expected[i], 5);
  });
};

describe('code generation forbidden', () => {
  it('is reported by canGenerateCode and runtimeInfo', () => {
    expect(canGenerateCode()).toBe(false);
    expect(runtimeInfo().canGenerateCode).toBe(false);
  });

  it('eager elementwise ops, broadcasting and comparisons run as closures', () => {
    const x = tensor([0.5, -1, 2]);
    close(
      x.mul(2).add(1).tanh(),
      [0.5, -1, 2].map((v) => Math.tanh(2 * v + 1)),
    );
    close(tensor([[1], [2]]).sub(tensor([10, 20, 30])), [-9, -19, -29, -8, -18, -28]);
    close(x.gt(0).astype('float32'), [1, 0, 1]);
    close(tensor([3, -7], { dtype: 'int32' }).mul(tensor([5, 9], { dtype: 'int32' })), [15, -63]);
  });

  it('grad and scan', () => {
    const x = tensor([0.5, -1, 2]);
    close(
      grad((t: Tensor) => t.mul(t).mul(t).sum())(x),
      [0.5, -1, 2].map((v) => 3 * v * v),
    );
    const [total, partial] = scan(
      (c: Tensor, v: Tensor) => [c.add(v), c.add(v)] as const,
      tensor(0),
      tensor([1, 2, 3, 4]),
    );
    close(total, [10]);
    close(partial, [1, 3, 6, 10]);
  });

  it("jit with backend 'js' interprets its program, and lower() says why", () => {
    const f = jit((a: Tensor) => a.mul(a).sum(), { backend: 'js' });
    const x = tensor([1, 2, 3]);
    expect(f(x).item()).toBe(14);
    const lowered = f.lower(x);
    expect(lowered.backend).toBe('interpreter');
    expect(lowered.backendReason).toMatch(
      /^interpreter: this environment forbids generating code \(new Function is refused\).*'unsafe-eval'.*backend: 'js'/,
    );
  });

  it('pytrees rebuild without specialised functions', () => {
    const [, def] = flatten({ a: tensor(1), b: [tensor(2)] });
    expect(def.builder).toBeNull();
    expect(def.matcher).toBeNull();
  });

  it('runtimeInfo says why kernels run on one thread', () => {
    vi.stubEnv('LOOM_WASM', '0');
    resetFeatures();
    expect(runtimeInfo().threadsReason).toMatch(/^1 thread: WebAssembly is unavailable/);
  });
});
