// Sums of pads made concatenates (assemble_pads.ts): which programs are rewritten (gate
// gradients of an LSTM and a GRU, at top level and in scan bodies) and which are not (overlap,
// gaps, strided or reused pads); the rewritten program's values are bitwise those of the
// original, signed zeros included, under evalJaxpr and both jit lowerings.
import { describe, expect, test } from 'vitest';
import {
  bitDifference,
  cast,
  expectClose,
  gru,
  lstm,
  normal,
  rnnParams,
} from '../../test/recurrent_cells.js';
import type { ScanParams } from '../control/scan_primitive.js';
import {
  evalJaxpr,
  grad,
  type Jaxpr,
  jit,
  pad,
  slice,
  split,
  sum,
  type Tensor,
  tensor,
  tree,
  typecheckJaxpr,
} from '../index.js';
import { assemblePads } from './assemble_pads.js';
import { prune } from './prune.js';

function programs<A extends unknown[]>(f: (...a: A) => unknown, args: A) {
  const closed = jit(f).lower(...args).closed;
  const before = prune(closed.jaxpr);
  const after = assemblePads(before);
  typecheckJaxpr(after);
  const run = (j: Jaxpr) => evalJaxpr(j, [...closed.consts, ...tree.leaves<Tensor>(args)]);
  return { before, after, run };
}

/** Equation names of `j` and every scan body in it, outermost first. */
function namesByProgram(j: Jaxpr): string[][] {
  const out: string[][] = [];
  const stack = [j];
  for (let p = stack.pop(); p; p = stack.pop()) {
    out.push(p.eqns.map((e) => e.prim.name));
    for (const e of p.eqns) if (e.prim.name === 'scan') stack.push((e.params as ScanParams).body);
  }
  return out;
}
const count = (j: Jaxpr, name: string) =>
  namesByProgram(j)
    .flat()
    .filter((n) => n === name).length;

describe('rewritten', () => {
  test('four gate slices of one array: their gradient is one concatenate, bitwise equal', () => {
    const f = (x: Tensor) => {
      const [i, g, f2, o] = split(x, 4, 1);
      return sum(i.mul(g).add(f2.mul(f2)).sub(o.exp()));
    };
    const x = normal([3, 8], 1).astype('float32');
    const { before, after, run } = programs(grad(f), [x]);
    expect(count(before, 'pad')).toBe(4);
    expect(count(after, 'pad')).toBe(0);
    expect(count(after, 'concatenate')).toBe(1);
    expect(bitDifference(run(after), run(before))).toBeNull();
  });

  test.each([
    ['LSTM', lstm, 4, 1],
    ['GRU', gru, 3, 2],
  ])(
    '%s gradient: the backward loop assembles its gates without pads',
    (_, cell, gates, splits) => {
      const [T, B, F, H] = [4, 3, 5, 6];
      const args = [rnnParams(F, H, 0, gates * H), normal([T, B, F], 9)] as const;
      const loss = (p: (typeof args)[0], xs: Tensor) => cell(p, xs);
      const { before, after, run } = programs(grad(loss), [...args]);
      const inLoops = (j: Jaxpr, name: string) =>
        namesByProgram(j)
          .slice(1)
          .flat()
          .filter((n) => n === name).length;
      // The GRU splits two products (x·Wx + b and h·Wh), the LSTM one.
      expect(inLoops(before, 'pad')).toBe(gates * splits);
      expect(inLoops(after, 'concatenate')).toBe(splits);
      expect(count(after, 'pad')).toBe(0);
      expect(bitDifference(run(after), run(before))).toBeNull();
      for (const dtype of ['float64', 'float32'] as const) {
        const typed = cast(args, dtype);
        const want = grad(loss)(...typed);
        for (const backend of ['js', 'wasm'] as const) {
          expectClose(
            jit(grad(loss), { backend })(...typed),
            want,
            dtype === 'float64' ? 1e-12 : 1e-4,
          );
        }
      }
    },
  );

  test('a piece whose gradient is −0 gives +0, as the sum of pads does', () => {
    const f = (x: Tensor, w: Tensor) => {
      const [a, b] = split(x, 2, 0);
      return sum(a.mul(w)).add(sum(b.mul(w)));
    };
    const x = tensor([1, 2, 3, 4]);
    const w = tensor([-0, 1]);
    const { after, run } = programs(grad(f), [x, w]);
    expect(count(after, 'concatenate')).toBe(1);
    const [dx] = run(after);
    expect(Array.from(dx.data()).map((v) => Object.is(v, -0))).toEqual([
      false,
      false,
      false,
      false,
    ]);
    for (const backend of ['js', 'wasm'] as const) {
      const got = jit(grad(f), { backend })(x, w) as Tensor;
      expect(bitDifference(got, grad(f)(x, w))).toBeNull();
    }
  });
});

describe('left alone', () => {
  test.each([
    ['overlapping slices', (x: Tensor) => sum(slice(x, [0], [3]).mul(slice(x, [1], [4])))],
    ['slices with a gap', (x: Tensor) => sum(slice(x, [0], [2]).mul(slice(x, [3], [5])))],
    ['strided slices', (x: Tensor) => sum(slice(x, [0], [6], [2]).mul(slice(x, [1], [6], [2])))],
  ])('%s', (_, f) => {
    const x = tensor([1, 2, 3, 4, 5, 6]);
    const { before, after, run } = programs(grad(f), [x]);
    expect(count(before, 'pad')).toBe(2);
    expect(count(after, 'pad')).toBe(2);
    expect(count(after, 'concatenate')).toBe(0);
    expect(bitDifference(run(after), run(before))).toBeNull();
  });

  test('a pad whose result is also used on its own', () => {
    const f = (a: Tensor, b: Tensor) => {
      const left = pad(a, [0, 2]);
      return [left.add(pad(b, [2, 0])), left.mul(3)];
    };
    const { before, after, run } = programs(f, [tensor([1, 2]), tensor([3, 4])]);
    expect(count(after, 'pad')).toBe(2);
    expect(count(after, 'concatenate')).toBe(0);
    expect(bitDifference(run(after), run(before))).toBeNull();
  });

  test('pads that tile the array, on their own (no gradient)', () => {
    const f = (a: Tensor, b: Tensor) =>
      pad(a, [
        [0, 0],
        [0, 3],
      ]).add(
        pad(b, [
          [0, 0],
          [1, 0],
        ]),
      );
    const { after, run, before } = programs(f, [
      tensor([[1], [2]]),
      tensor([
        [3, 4, 5],
        [6, 7, 8],
      ]),
    ]);
    expect(count(after, 'pad')).toBe(0);
    expect(count(after, 'concatenate')).toBe(1);
    expect(bitDifference(run(after), run(before))).toBeNull();
    expect(
      Array.from(
        (
          jit(f, { backend: 'wasm' })(
            tensor([[1], [2]]),
            tensor([
              [3, 4, 5],
              [6, 7, 8],
            ]),
          ) as Tensor
        ).data(),
      ),
    ).toEqual([1, 3, 4, 5, 2, 6, 7, 8]);
  });
});
