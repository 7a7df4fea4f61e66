// Scans split by batch rows (row_split.ts): which loop bodies are split, and that split programs
// give bitwise the same results for any number of chunks (1 = not split), equal to eager.
import { afterEach, describe, expect, test, vi } from 'vitest';
import {
  bits,
  cast,
  expectClose,
  gru,
  h0,
  lstm,
  normal,
  type Rnn,
  rnnAllYs,
  rnnCell,
  rnnParams,
  squares,
  untilWorkersTakePart,
} from '../../../test/recurrent_cells.js';
import {
  cond,
  grad,
  jit,
  matmul,
  reshape,
  scan,
  setThreads,
  sum,
  type Tensor,
  tanh,
  transpose,
} from '../../index.js';
import { resetThreads } from '../../runtime/threads.js';

afterEach(() => {
  resetThreads();
  vi.unstubAllEnvs();
});

const SPLIT = /scan of \d+ steps split by batch rows into (\d+) chunks of (\d+) rows/g;

/** Compiles `f` for wasm with `threads` threads (every loop big enough to split); runs it. */
function compiled<A extends unknown[]>(f: (...a: A) => unknown, args: A, threads: number) {
  vi.stubEnv('LOOM_PARALLEL_MIN_FLOPS', '0');
  setThreads(threads);
  const jitted = jit(f, { backend: 'wasm' });
  const lowered = jitted.lower(...args);
  expect(lowered.backend).toBe('wasm');
  const splits = [...lowered.source.matchAll(SPLIT)].map((m) => `${m[1]}×${m[2]}`);
  return { jitted, splits, out: jitted(...args) };
}

const [T, B, F, H] = [6, 8, 5, 7];
const xs = normal([T, B, F], 10, 1);

describe('split scans', () => {
  test.each([
    ['tanh RNN', rnnAllYs, 1],
    ['LSTM', lstm, 4],
    ['GRU', gru, 3],
  ] as const)(
    'grad of a %s: forward and backward loops split; 1, 2 and 4 chunks agree bitwise',
    (_, loss, gates) => {
      const p = rnnParams(F, H, 0, gates * H);
      for (const [dtype, rtol] of [
        ['float64', 1e-12],
        ['float32', 1e-4],
      ] as const) {
        const args = cast([p, xs] as [Rnn, Tensor], dtype);
        const f = grad(loss as (p: Rnn, xs: Tensor) => Tensor);
        const want = f(...args);
        const one = compiled(f, args, 1);
        expect(one.splits).toEqual([]);
        expectClose(one.out, want, rtol);
        const two = compiled(f, args, 2);
        expect(two.splits).toEqual(['2×4', '2×4']);
        expect(bits(two.out)).toEqual(bits(one.out));
        const four = compiled(f, args, 4);
        expect(four.splits).toEqual(['4×2', '4×2']);
        expect(bits(four.out)).toEqual(bits(one.out));
      }
    },
  );

  test('chunks run on the workers and give the same bits there', async () => {
    const args: [Rnn, Tensor] = cast([rnnParams(F, H), xs], 'float32');
    const f = grad(rnnAllYs);
    const want = bits(compiled(f, args, 1).out);
    const { jitted } = compiled(f, args, 2);
    await untilWorkersTakePart(() => expect(bits(jitted(...args))).toEqual(want));
  });

  test('a per-row reduction of an expression splits with the rows (the reduction computes it)', () => {
    // y_t[i] = Σ_j h_t[i, j]·(h_t[i, j] + 1): the product is computed in the reduction's loop.
    const rowSums = (p: Rnn, xs: Tensor) => {
      const step = (h: Tensor, x: Tensor) => {
        const [next] = rnnCell(p)(h, x);
        return [next, next.mul(next.add(1)).sum([1])] as const;
      };
      return sum(scan(step, h0(p, xs), xs)[1]);
    };
    const args: [Rnn, Tensor] = [rnnParams(F, H), xs];
    for (const f of [rowSums, grad(rowSums)] as ((p: Rnn, xs: Tensor) => unknown)[]) {
      const one = compiled(f, args, 1);
      expectClose(one.out, f(...args), 1e-12);
      const two = compiled(f, args, 2);
      expect(two.splits[0]).toBe('2×4');
      expect(bits(two.out)).toEqual(bits(one.out));
    }
    const listing = compiled(rowSums, args, 2).jitted.lower(...args).source;
    expect(listing).toMatch(/reduce sum float64\[4,7\] over \[1\] of add mul/);
  });

  test('LOOM_ROW_SPLIT=0 turns splitting off', () => {
    const args: [Rnn, Tensor] = [rnnParams(F, H), xs];
    vi.stubEnv('LOOM_ROW_SPLIT', '0');
    const off = compiled(grad(rnnAllYs), args, 2);
    expect(off.splits).toEqual([]);
    vi.stubEnv('LOOM_ROW_SPLIT', undefined as unknown as string);
    expect(bits(compiled(grad(rnnAllYs), args, 2).out)).toEqual(bits(off.out));
  });

  test('a scan inside a scan body splits, reading its rows through the outer counter', () => {
    // An outer loop over 3 sequences [T, B, F], each continuing from the last one's final h;
    // the inner RNN's xs move with the outer counter.
    const overSequences = (p: Rnn, x4: Tensor) =>
      squares(
        scan(
          (h: Tensor, x: Tensor) => {
            const [last, ys] = scan(rnnCell(p), h, x);
            return [last, ys.sum(0)] as const;
          },
          normal([B, H], 11),
          x4,
        ),
      );
    const args: [Rnn, Tensor] = [rnnParams(F, H), normal([3, T, B, F], 12, 1)];
    const f = grad(overSequences);
    const one = compiled(f, args, 1);
    expectClose(one.out, f(...args), 1e-12);
    const two = compiled(f, args, 2);
    expect(two.splits.length).toBeGreaterThan(0);
    expect(bits(two.out)).toEqual(bits(one.out));
  });
});

describe('scans that are not split, and stay correct', () => {
  const p = rnnParams(F, H);
  const mix = normal([B, B], 13);
  const cases: [string, (p: Rnn, xs: Tensor) => Tensor][] = [
    [
      'a carry that mixes batch rows (A·h)',
      (p, xs) =>
        squares(
          scan((h: Tensor, x: Tensor) => rnnCell(p)(matmul(mix, h), x), normal([B, H], 14), xs),
        ),
    ],
    [
      // Rows of the transposed view are columns of the carry: a chunk would read other chunks'.
      'a carry read through a view that moves its rows',
      (p, xs) =>
        squares(
          scan(
            (h: Tensor, x: Tensor) => rnnCell(p)(transpose(reshape(h, [H, B])), x),
            normal([B, H], 14),
            xs,
          ),
        ),
    ],
    [
      'a carry read through a sum over the batch',
      (p, xs) =>
        squares(
          scan(
            (h: Tensor, x: Tensor) => rnnCell(p)(h.add(sum(h).mul(0.01)), x),
            normal([B, H], 14),
            xs,
          ),
        ),
    ],
    [
      'a cond inside the body',
      (p, xs) =>
        squares(
          scan(
            (h: Tensor, x: Tensor) =>
              cond(
                sum(x).gt(0),
                (hh: Tensor) => rnnCell(p)(hh, x),
                (hh: Tensor) => [tanh(hh), tanh(hh)] as const,
                h,
              ),
            normal([B, H], 14),
            xs,
          ),
        ),
    ],
  ];
  test.each(cases)('%s', (_, loss) => {
    const args: [Rnn, Tensor] = [p, xs];
    const run = compiled(loss, args, 2);
    expect(run.splits).toEqual([]);
    expectClose(run.out, loss(...args), 1e-12);
  });

  test('a batch with no divisor up to the thread count (3 rows, 2 threads)', () => {
    const args: [Rnn, Tensor] = [p, normal([T, 3, F], 15, 1)];
    const run = compiled(grad(rnnAllYs), args, 2);
    expect(run.splits).toEqual([]);
    expect(compiled(grad(rnnAllYs), args, 3).splits).toEqual(['3×1', '3×1']);
  });
});
