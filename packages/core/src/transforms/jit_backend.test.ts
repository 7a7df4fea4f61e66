// jit's `backend` option: validated, carried by every jit_call program derived from the jitted
// one (so grad and vmap of it compile with the same backend), and reported by `lower`.
import { describe, expect, test } from 'vitest';
import {
  grad,
  InvalidArgumentError,
  jit,
  makeJaxpr,
  sin,
  sum,
  type Tensor,
  tensor,
  vmap,
} from '../index.js';
import type { ClosedJaxpr, Jaxpr } from '../ir/jaxpr.js';

const f64 = (x: number[]) => tensor(x, { dtype: 'float64' });
const loss = (x: Tensor) => sum(sin(x).mul(x));

/** The backend param of every jit_call equation, nested programs included (iterative walk). */
function jitCallBackends(root: Jaxpr): unknown[] {
  const found: unknown[] = [];
  const stack: Jaxpr[] = [root];
  while (stack.length > 0) {
    const j = stack.pop()!;
    for (const e of j.eqns) {
      if (e.prim.name === 'jit_call') found.push(e.params.backend);
      for (const inner of e.prim.higherOrder?.innerPrograms?.(e.params) ?? []) {
        stack.push((inner.program as ClosedJaxpr).jaxpr);
      }
    }
  }
  return found;
}

describe('jit backend option', () => {
  test('an unknown backend is a typed error listing the valid ones', () => {
    expect(() => jit(loss, { backend: 'gpu' as never })).toThrow(InvalidArgumentError);
    expect(() => jit(loss, { backend: 'gpu' as never })).toThrow(
      "jit: unknown backend 'gpu'; the backends are 'auto', 'js', 'wasm'.",
    );
  });
  test("'js' forces the JavaScript lowering, and lower() says which backend runs and why", () => {
    const lowered = jit(loss, { backend: 'js' }).lower(f64([0.5, 1]));
    expect(lowered.backend).toBe('js');
    expect(lowered.backendReason.length).toBeGreaterThan(0);
    const auto = jit(loss).lower(f64([0.5, 1]));
    expect(['js', 'wasm']).toContain(auto.backend);
    expect(auto.backendReason.length).toBeGreaterThan(0);
  });
  test('every backend computes the same values as eager evaluation', () => {
    const x = f64([0.5, -1, 2]);
    const want = loss(x).item();
    const wantGrad = grad(loss)(x).toArray() as number[];
    for (const backend of ['auto', 'js', 'wasm'] as const) {
      expect(jit(loss, { backend })(x).item()).toBeCloseTo(want, 12);
      const g = jit(grad(loss), { backend })(x).toArray() as number[];
      g.forEach((v, i) => {
        expect(v).toBeCloseTo(wantGrad[i], 12);
      });
    }
  });
  test('programs derived by grad and vmap keep the backend', () => {
    const f = jit(loss, { backend: 'js' });
    const viaGrad = makeJaxpr(grad(f))(f64([0.5, 1])).closed.jaxpr;
    const viaVmap = makeJaxpr(vmap(f))(f64([0.5, 1])).closed.jaxpr;
    const backends = [...jitCallBackends(viaGrad), ...jitCallBackends(viaVmap)];
    expect(backends.length).toBeGreaterThanOrEqual(3);
    expect(new Set(backends)).toEqual(new Set(['js']));
  });
  test('where generating code is forbidden, lower() reports the interpreter and why', () => {
    const original = globalThis.Function;
    globalThis.Function = function refuse() {
      throw new EvalError('Refused to evaluate a string as JavaScript');
    } as unknown as FunctionConstructor;
    try {
      const lowered = jit(loss, { backend: 'js' }).lower(f64([0.5]));
      expect(lowered.backend).toBe('interpreter');
      expect(lowered.backendReason).toMatch(
        /forbids generating code \(EvalError: Refused to evaluate a string as JavaScript\)/,
      );
    } finally {
      globalThis.Function = original;
    }
  });
});
