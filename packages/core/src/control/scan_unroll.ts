// SPDX-License-Identifier: MIT
// scan's `unroll`: k steps of the body per iteration of the loop, done when tracing (the body of
// the scan primitive is k copies of the step), so both jit lowerings and every transformation
// see an ordinary scan. Each step computes exactly what it would alone, so values are the same;
// gradients of closed-over parameters equal up to rounding (a group's contributions are summed
// before they reach the accumulator).
import { reshape } from '../prims/reshape.js';
import { joinTrees, leadingRows, mapTreeLeaves } from './trace_tree.js';

type Scan = <C, X, Y>(
  f: (carry: C, x: X) => readonly [C, Y],
  init: C,
  xs: X | null,
  options: { length?: number; reverse?: boolean; checkpoint?: boolean },
) => [C, Y];

/** Each leaf reshaped from [n·k, ...] to [n, k, ...] (or back with `merge`). */
function regroup<X>(xs: X, k: number, merge: boolean): X {
  return mapTreeLeaves(xs, (l) =>
    merge
      ? reshape(l, [l.shape[0] * l.shape[1], ...l.shape.slice(2)])
      : reshape(l, [l.shape[0] / k, k, ...l.shape.slice(1)]),
  );
}

/** Row j of each leaf, its leading axis dropped. */
function row<X>(xs: X, j: number): X {
  return mapTreeLeaves(leadingRows(xs, j, j + 1), (l) => reshape(l, l.shape.slice(1)));
}

/**
 * scan with `unroll` = k > 1 over `length` steps: ⌊length/k⌋ iterations of k steps, then the
 * remaining steps (for a reverse scan the remainder is the tail, so it runs first).
 */
export function scanUnrolled<C, X, Y>(
  scan: Scan,
  f: (carry: C, x: X) => readonly [C, Y],
  init: C,
  xs: X | null,
  length: number,
  k: number,
  options: { reverse: boolean; checkpoint: boolean },
): [C, Y] {
  const { reverse, checkpoint } = options;
  const groups = Math.floor(length / k);
  const main = groups * k;
  const body = (carry: C, group: X | null): [C, Y] => {
    let c = carry;
    const ys: Y[] = new Array(k);
    for (let i = 0; i < k; i++) {
      const j = reverse ? k - 1 - i : i;
      const [next, y] = f(c, group === null ? (null as X) : row(group, j));
      c = next;
      ys[j] = y;
    }
    return [c, joinTrees(ys, true)];
  };
  const runMain = (carry: C): [C, Y] => {
    const grouped = xs === null ? null : regroup(leadingRows(xs, 0, main), k, false);
    const [c, ys] = scan(body, carry, grouped, { length: groups, reverse, checkpoint });
    return [c, regroup(ys, k, true)];
  };
  if (main === length) return runMain(init);
  const runRest = (carry: C): [C, Y] =>
    scan(f, carry, xs === null ? null : leadingRows(xs, main, length), {
      length: length - main,
      reverse,
      checkpoint,
    });
  if (!reverse) {
    const [c1, ys1] = runMain(init);
    const [c2, ys2] = runRest(c1);
    return [c2, joinTrees([ys1, ys2], false)];
  }
  const [c1, ys2] = runRest(init);
  const [c2, ys1] = runMain(c1);
  return [c2, joinTrees([ys1, ys2], false)];
}
