import { describe, expect, test } from 'vitest';
import { grad, jvp, makeJaxpr, matmul, scan, sum, type Tensor, tanh, tensor } from '../index.js';

const f64 = (x: number[] | number[][] | number[][][]) => tensor(x, { dtype: 'float64' });

describe('scan forward', () => {
  // The issue quotes the numpy tutorial's printout with state0 = [0, 0], but its "step 1" values
  // imply an incoming state of [0.85973818, 0.88366641]: exactly the state after the tutorial's two
  // steps from zero. The printout came from running the two-step cell a second time without
  // resetting `state`. So we scan X = [1, 2, 1, 2] from [0, 0]: steps 1-2 give the tutorial's
  // first run, and steps 3-4 reproduce the quoted numbers to 1e-6.
  test('reproduces the published numpy RNN forward pass to 1e-6', () => {
    const wState = f64([
      [0.1, 0.2],
      [0.3, 0.4],
    ]);
    const wIn = f64([[0.5, 0.6]]);
    const b = f64([0.1, -0.1]);
    const wOut = f64([[0.1], [2.0]]);
    const xs = f64([[[1]], [[2]], [[1]], [[2]]]); // [T, batch 1, in 1]
    const step = (state: Tensor, x: Tensor) => {
      const before = matmul(state, wState).add(matmul(x, wIn)).add(b);
      const next = tanh(before);
      return [next, { before, state: next, out: matmul(next, wOut).add(0.1) }] as const;
    };
    const [, ys] = scan(step, f64([[0, 0]]), xs);
    const close = (t: Tensor, expected: number[], from: number) => {
      const got = Array.from(t.data()).slice(from, from + expected.length);
      expected.forEach((e, i) => {
        expect(Math.abs(got[i] - e)).toBeLessThan(1e-6);
      });
    };
    close(ys.before, [0.6, 0.5], 0);
    close(ys.state, [0.85973818, 0.88366641], 2);
    close(ys.before, [0.95107374, 1.0254142, 1.40564566, 1.55687879], 4);
    close(ys.state, [0.74026877, 0.7720626, 0.88656589, 0.91491336], 4);
    close(ys.out, [1.71815207, 2.0184833], 2);
  });
});

describe('scan gradients', () => {
  const wx = f64([
    [0.3, -0.2, 0.1],
    [0.05, 0.4, -0.3],
  ]);
  const wh = f64([
    [0.2, 0.1, -0.1],
    [0.0, 0.3, 0.2],
    [-0.2, 0.1, 0.25],
  ]);
  const xs = f64([[[1, 0.5]], [[-0.3, 0.8]], [[0.7, -0.6]], [[0.2, 0.1]]]);
  const h0 = f64([[0.1, -0.1, 0.2]]);
  type P = { wx: Tensor; wh: Tensor };
  const cell = (p: P, h: Tensor, x: Tensor) => tanh(matmul(x, p.wx).add(matmul(h, p.wh)));
  const viaScan = (opts: { reverse?: boolean; checkpoint?: boolean }) => (p: P, h: Tensor) => {
    const [hT, hs] = scan(
      (c: Tensor, x: Tensor) => {
        const n = cell(p, c, x);
        return [n, n] as const;
      },
      h,
      xs,
      opts,
    );
    return sum(hs.mul(hs)).add(sum(hT));
  };
  const viaLoop = (reverse: boolean) => (p: P, h: Tensor) => {
    const steps = [0, 1, 2, 3];
    let total: Tensor = f64(0 as unknown as number[]);
    total = sum(h.mul(0));
    let c = h;
    for (const t of reverse ? [...steps].reverse() : steps) {
      const x = xs.take([t], 0).reshape([1, 2]);
      c = cell(p, c, x);
      total = total.add(sum(c.mul(c)));
    }
    return total.add(sum(c));
  };
  for (const reverse of [false, true]) {
    for (const checkpoint of [false, true]) {
      test(`grad of scan equals grad of the loop (reverse=${reverse}, checkpoint=${checkpoint})`, () => {
        const p = { wx, wh };
        const gs = grad(viaScan({ reverse, checkpoint }), { argnums: [0, 1] })(p, h0);
        const gl = grad(viaLoop(reverse), { argnums: [0, 1] })(p, h0);
        for (const [a, b] of [
          [gs[0].wx, gl[0].wx],
          [gs[0].wh, gl[0].wh],
          [gs[1], gl[1]],
        ] as const) {
          const da = a.data();
          const db = b.data();
          da.forEach((v, i) => {
            expect(Math.abs(v - db[i])).toBeLessThan(1e-12);
          });
        }
      });
    }
  }
  test('jvp of scan equals jvp of the loop', () => {
    const p = { wx, wh };
    const t = { wx: wx.mul(0.5), wh: wh.mul(-1) };
    const [, a] = jvp(viaScan({}), [p, h0], [t, h0.mul(2)]);
    const [, b] = jvp(viaLoop(false), [p, h0], [t, h0.mul(2)]);
    expect(Math.abs(a.item() - b.item())).toBeLessThan(1e-12);
  });
  test('grad of grad through a scan', () => {
    const g2 = grad((s: Tensor) => {
      const gp = grad(viaScan({}))({ wx: wx.mul(s), wh }, h0);
      return sum(gp.wx.mul(gp.wx));
    });
    const g2l = grad((s: Tensor) => {
      const gp = grad(viaLoop(false))({ wx: wx.mul(s), wh }, h0);
      return sum(gp.wx.mul(gp.wx));
    });
    expect(
      Math.abs(
        g2(f64(1 as unknown as number[])).item() - g2l(f64(1 as unknown as number[])).item(),
      ),
    ).toBeLessThan(1e-10);
  });
  test('IR of grad(scan) does not grow with length', () => {
    const count = (T: number) => {
      const seq = tensor(new Float64Array(T * 2), { shape: [T, 1, 2] });
      const loss = (p: P) => {
        const [hT] = scan((c: Tensor, x: Tensor) => [cell(p, c, x), null] as const, h0, seq);
        return sum(hT);
      };
      return makeJaxpr(grad(loss))({ wx, wh }).closed.jaxpr.eqns.length;
    };
    expect(count(10)).toBe(count(1000));
    console.log(
      makeJaxpr(
        grad((p: P) =>
          sum(scan((c: Tensor, x: Tensor) => [cell(p, c, x), null] as const, h0, xs)[0]),
        ),
      )({ wx, wh }).toString(),
    );
  });
});
