import { describe, expect, test } from 'vitest';
import {
  InvalidArgumentError,
  jvp,
  linearize,
  makeJaxpr,
  scan,
  type Tensor,
  TreeStructureError,
  tensor,
} from '../index.js';

const f64 = (x: number[]) => tensor(x, { dtype: 'float64' });

describe('linearize', () => {
  test('returns f(x) and a JVP at fixed primals that never re-runs f', () => {
    let calls = 0;
    const f = (p: { a: Tensor; b: Tensor }) => {
      calls++;
      return { y: p.a.sin().mul(p.b), z: p.b.exp().sum() };
    };
    const a = [0.3, -1.2];
    const b = [0.7, 0.1];
    const [out, fJvp] = linearize(f, { a: f64(a), b: f64(b) });
    expect(calls).toBe(1);
    out.y.data().forEach((v, i) => {
      expect(v).toBe(Math.sin(a[i]) * b[i]);
    });
    const ta = [1, -2];
    const tb = [0.5, 3];
    const t = fJvp({ a: f64(ta), b: f64(tb) });
    expect(calls).toBe(1);
    // Hand-derived: dy = cos(a) b ta + sin(a) tb; dz = Σ exp(b) tb.
    t.y.data().forEach((v, i) => {
      expect(v).toBeCloseTo(Math.cos(a[i]) * b[i] * ta[i] + Math.sin(a[i]) * tb[i], 14);
    });
    expect(t.z.item()).toBeCloseTo(Math.exp(b[0]) * tb[0] + Math.exp(b[1]) * tb[1], 14);
    // And equal to jvp for a second direction.
    const [, viaJvp] = jvp(f, [{ a: f64(a), b: f64(b) }], [{ a: f64(tb), b: f64(ta) }]);
    const again = fJvp({ a: f64(tb), b: f64(ta) });
    again.y.data().forEach((v, i) => {
      expect(v).toBeCloseTo(viaJvp.y.data()[i], 14);
    });
  });

  test('the linear program holds no primal work (sin/cos are residuals, not recomputed)', () => {
    const [, fJvp] = linearize((x: Tensor) => x.sin().mul(x), f64([0.5, 1.5]));
    const text = makeJaxpr(fJvp)(f64([1, 1])).toString();
    expect(text).not.toMatch(/\bsin\b|\bcos\b/);
    expect(text).toMatch(/mul/);
  });

  test('through a scan: equals a float64 central difference', () => {
    const f = (w: Tensor) =>
      scan(
        (h: Tensor, x: Tensor) => {
          const n = h.mul(w).add(x).tanh();
          return [n, n] as const;
        },
        f64([0.1]).reshape([]),
        f64([0.5, -0.3, 0.8]),
      )[0];
    const [, fJvp] = linearize(f, f64([0.9]).reshape([]));
    const eps = 1e-6;
    const fd =
      (f(f64([0.9 + eps]).reshape([])).item() - f(f64([0.9 - eps]).reshape([])).item()) / (2 * eps);
    expect(fJvp(f64([1]).reshape([])).item()).toBeCloseTo(fd, 8);
  });

  test('an output that does not depend on the inputs has a zero tangent; int inputs are ignored', () => {
    const [, fJvp] = linearize(
      (x: Tensor, k: Tensor) => [x.mul(2), k.astype('float64'), f64([4])],
      f64([1]),
      tensor([3], { dtype: 'int32' }),
    );
    const [dx, dk, dc] = fJvp(f64([5]), tensor([7], { dtype: 'int32' }));
    expect(Array.from(dx.data())).toEqual([10]);
    expect(Array.from(dk.data())).toEqual([0]);
    expect(Array.from(dc.data())).toEqual([0]);
  });

  test('tangents with the wrong structure or type name linearize and the mismatch', () => {
    const [, fJvp] = linearize((p: { a: Tensor }) => p.a.mul(2), { a: f64([1, 2]) });
    expect(() => fJvp({ b: f64([1, 2]) } as never)).toThrow(TreeStructureError);
    expect(() => fJvp({ b: f64([1, 2]) } as never)).toThrow(/linearize: the tangents' structure/);
    expect(() => fJvp({ a: f64([1]) })).toThrow(InvalidArgumentError);
    expect(() => fJvp({ a: f64([1]) })).toThrow(
      /linearize: tangent 0 is f64\[1\] but its primal is f64\[2\]/,
    );
  });
});
