// Large elementwise kernels cut into chunks for the pool's threads (chunks.ts): which are cut,
// and that the result is bitwise the one thread's.
import { afterEach, describe, expect, test, vi } from 'vitest';
import { bitDifference, untilWorkersTakePart } from '../../../test/recurrent_cells.js';
import { jit, random, setThreads, type Tensor, tanh } from '../../index.js';
import { resetThreads } from '../../runtime/threads.js';

afterEach(() => {
  resetThreads();
  vi.unstubAllEnvs();
});

const CUT = /^\/\/ j\d+: the next kernel, cut into (\d+) chunks/gm;
const keys = random.split(random.key(5), 3);
// tanh(x)·row + column, broadcasting a [C] and an [R, 1] leaf over [R, C].
const f = (x: Tensor, row: Tensor, column: Tensor) => tanh(x).mul(row).add(column);
const args = (rows: number, cols: number): [Tensor, Tensor, Tensor] => [
  random.normal(keys[0], [rows, cols]),
  random.normal(keys[1], [cols]),
  random.normal(keys[2], [rows, 1]),
];

function compiled(threads: number, a: [Tensor, Tensor, Tensor]) {
  setThreads(threads);
  const jitted = jit(f, { backend: 'wasm' });
  const cuts = [...jitted.lower(...a).source.matchAll(CUT)].map((m) => Number(m[1]));
  return { jitted, cuts, out: jitted(...a) };
}

describe('large elementwise kernels', () => {
  test('are cut into chunks by rows and give the one thread bits, on the workers too', async () => {
    const a = args(512, 1040);
    const one = compiled(1, a);
    expect(one.cuts).toEqual([]);
    const want = f(...a).data();
    const got = one.out.data();
    let err = 0;
    for (let i = 0; i < got.length; i++) err = Math.max(err, Math.abs(got[i] - want[i]));
    expect(err).toBeLessThan(1e-5);
    const two = compiled(2, a);
    expect(two.cuts).toEqual([8]);
    expect(bitDifference(two.out, one.out)).toBeNull();
    await untilWorkersTakePart(() => expect(bitDifference(two.jitted(...a), one.out)).toBeNull());
    expect(bitDifference(compiled(3, a).out, one.out)).toBeNull();
  });

  test('small kernels and first axes with no divisor up to the chunk count run whole', () => {
    vi.stubEnv('LOOM_PARALLEL_MIN_FLOPS', undefined as unknown as string); // the default
    expect(compiled(2, args(16, 100)).cuts).toEqual([]);
    expect(compiled(2, args(263, 2000)).cuts).toEqual([]);
    vi.stubEnv('LOOM_PARALLEL_MIN_FLOPS', '0');
    expect(compiled(2, args(16, 100)).cuts).toEqual([8]);
  });
});
