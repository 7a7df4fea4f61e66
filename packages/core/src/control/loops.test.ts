import { describe, expect, test } from 'vitest';
import {
  checkGrads,
  checkpoint,
  foriLoop,
  ge,
  grad,
  jvp,
  lt,
  NotDifferentiableError,
  ShapeError,
  savedResiduals,
  scan,
  sum,
  type Tensor,
  tanh,
  tensor,
  whileLoop,
} from '../index.js';

const f64 = (x: number | number[]) => tensor(x, { dtype: 'float64' });

describe('whileLoop', () => {
  test('loops until the condition fails', () => {
    // Halve while the squared norm is at least 0.01: [4, 3] (norm 5) needs ceil(log2(5 / 0.1)) = 6.
    const out = whileLoop(
      (c: { x: Tensor; n: Tensor }) => ge(sum(c.x.mul(c.x)), 0.01),
      (c) => ({ x: c.x.mul(0.5), n: c.n.add(1) }),
      { x: f64([4, 3]), n: f64(0).reshape([]) },
    );
    expect(out.n.item()).toBe(6);
    expect(out.x.toArray()).toEqual([4 / 64, 3 / 64]);
    const counted = whileLoop(
      (i: Tensor) => lt(i, 5),
      (i) => i.add(1),
      tensor(0, { dtype: 'int32' }).reshape([]),
    );
    expect(counted.item()).toBe(5);
  });
  test('jvp through whileLoop equals the analytic derivative', () => {
    // x ↦ x·1.5^k with k = 4 iterations (the count does not depend on x's tangent).
    const f = (x: Tensor) =>
      whileLoop(
        (c: [Tensor, Tensor]) => lt(c[1], 4),
        ([v, i]) => [v.mul(1.5), i.add(1)] as [Tensor, Tensor],
        [x, tensor(0, { dtype: 'int32' }).reshape([])] as [Tensor, Tensor],
      )[0];
    const [y, t] = jvp(f, [f64([2])], [f64([1])]);
    expect(y.item()).toBeCloseTo(2 * 1.5 ** 4, 12);
    expect(t.item()).toBeCloseTo(1.5 ** 4, 12);
  });
  test('reverse mode raises a clear error pointing to foriLoop and scan', () => {
    const f = (x: Tensor) =>
      whileLoop(
        (c: Tensor) => lt(sum(c), 10),
        (c) => c.mul(2),
        x,
      ).sum();
    expect(() => grad(f)(f64([1]))).toThrow(NotDifferentiableError);
    expect(() => grad(f)(f64([1]))).toThrow(/whileLoop: reverse-mode .* Use foriLoop .* or scan/);
  });
  test('rejects a non-scalar condition', () => {
    expect(() =>
      whileLoop(
        (c: Tensor) => lt(c, 3),
        (c) => c,
        f64([1, 2]),
      ),
    ).toThrow(ShapeError);
  });
});

describe('foriLoop', () => {
  test('is reverse-differentiable and matches the unrolled loop', () => {
    const viaFori = (w: Tensor) =>
      foriLoop(
        0,
        5,
        (i, h: Tensor) => tanh(h.mul(w).add(i.astype('float64').mul(0.1))),
        f64([0.2, -0.3]),
      ).sum();
    const unrolled = (w: Tensor) => {
      let h = f64([0.2, -0.3]);
      for (let i = 0; i < 5; i++) h = tanh(h.mul(w).add(i * 0.1));
      return h.sum();
    };
    const w = f64([0.8, 1.1]);
    expect(viaFori(w).item()).toBeCloseTo(unrolled(w).item(), 12);
    const a = grad(viaFori)(w).data();
    const b = grad(unrolled)(w).data();
    a.forEach((v, i) => {
      expect(v).toBeCloseTo(b[i], 12);
    });
    checkGrads(viaFori, [w], { order: 2 });
  });
});

describe('checkpoint', () => {
  test('values and gradients are unchanged', () => {
    const f = (x: Tensor) => tanh(tanh(x.mul(x)).mul(x)).sum();
    const x = f64([0.3, -0.8, 1.2]);
    expect(checkpoint(f)(x).item()).toBe(f(x).item());
    const a = grad(checkpoint(f))(x).data();
    const b = grad(f)(x).data();
    a.forEach((v, i) => {
      expect(v).toBeCloseTo(b[i], 14);
    });
    checkGrads(checkpoint(f), [x], { order: 2 });
  });
  test('saves only the inputs', () => {
    const f = (x: Tensor) => tanh(tanh(x.mul(x)).mul(x)).sum();
    const x = f64(new Array(100).fill(0.5));
    expect(savedResiduals(f)(x).savedBytes).toBeGreaterThan(0);
    const report = savedResiduals(checkpoint(f))(x);
    expect(report.savedBytes).toBe(0);
    expect(report.residuals.every((r) => r.source === 'argument')).toBe(true);
  });
});

describe('scan at length 10,000', () => {
  test('runs forward and backward without a stack overflow; checkpoint saves ≤ carry × length + const', () => {
    const T = 10_000;
    const H = 4;
    const xs = tensor(
      Float64Array.from({ length: T * H }, (_, i) => Math.sin(i)),
      { shape: [T, H] },
    );
    const loss = (w: Tensor, checkpointing: boolean) =>
      sum(
        scan(
          (h: Tensor, x: Tensor) => [tanh(h.mul(w).add(x)), null] as const,
          f64(new Array(H).fill(0)),
          xs,
          { checkpoint: checkpointing },
        )[0],
      );
    const g = grad((w: Tensor) => loss(w, false))(f64([0.5, 0.4, 0.3, 0.2]));
    const gc = grad((w: Tensor) => loss(w, true))(f64([0.5, 0.4, 0.3, 0.2]));
    g.data().forEach((v, i) => {
      expect(Number.isFinite(v)).toBe(true);
      expect(v).toBeCloseTo(gc.data()[i], 12);
    });
    const carryBytes = H * 8;
    const saved = savedResiduals((w: Tensor) => loss(w, true))(
      f64([0.5, 0.4, 0.3, 0.2]),
    ).savedBytes;
    expect(saved).toBeLessThanOrEqual(carryBytes * T + 1024);
    const savedPlain = savedResiduals((w: Tensor) => loss(w, false))(
      f64([0.5, 0.4, 0.3, 0.2]),
    ).savedBytes;
    expect(savedPlain).toBeGreaterThan(saved);
  });
});
