// SPDX-License-Identifier: MIT
// Reductions: one accumulator per output element, the reduced axes looped innermost through
// the input's strides (so reducing a transposed or broadcast view needs no copy). An
// elementwise input (sum of squares: reduce_sum(x·x)) is computed in that loop.
import type { ReduceParams } from '../../prims/reduce_sum.js';
import { emitNodes, leavesOf, postOrder } from '../expr.js';
import { emitLoopNest } from '../loops.js';
import type { LoweringRule } from '../lower.js';
import { kernel } from '../steps.js';
import { broadcastStrides, location, type Value } from '../values.js';

type Kind = 'sum' | 'max' | 'min';

const INIT: Record<Kind, string> = { sum: '0', max: '-Infinity', min: 'Infinity' };

function update(kind: Kind, acc: string, v: string, int: boolean): string {
  switch (kind) {
    case 'sum':
      return int ? `${acc} = (${acc} + ${v}) | 0;` : `${acc} += ${v};`;
    // NaN wins, as in the eager kernels.
    case 'max':
      return `if (${v} > ${acc} || ${v} !== ${v}) ${acc} = ${v};`;
    case 'min':
      return `if (${v} < ${acc} || ${v} !== ${v}) ${acc} = ${v};`;
  }
}

function reduceRule(kind: Kind): LoweringRule {
  return (lo, eqn, [x0], steps) => {
    const { axes } = eqn.params as ReduceParams;
    const outAval = eqn.outBinders[0].aval;
    const out = lo.temp(outAval.dtype, outAval.shape);
    // An elementwise input (lower.ts fuses it here) is computed in the reduction's loop.
    const x = x0.kind === 'expr' ? x0 : lo.materialize(x0, steps);
    const order = postOrder(x);
    const leaves = leavesOf(x);
    const leafStrides = leaves.map((l) => broadcastStrides(l, x.shape));
    const kept = x.shape.map((_, d) => d).filter((d) => !axes.includes(d));
    const int = outAval.dtype === 'int32';
    steps.push(
      kernel(
        leaves,
        [out.buf],
        (w) => {
          const O = location(out);
          const L = leaves.map(location);
          emitLoopNest(
            w,
            kept.map((d) => x.shape[d]),
            [
              { name: O.name, off: O.off, strides: out.strides },
              ...L.map((l, i) => ({
                name: l.name,
                off: l.off,
                strides: kept.map((d) => leafStrides[i][d]),
              })),
            ],
            ([oi, ...starts]) => {
              const acc = w.fresh('acc');
              w.line(`let ${acc} = ${INIT[kind]};`);
              emitLoopNest(
                w,
                axes.map((d) => x.shape[d]),
                L.map((l, i) => ({
                  name: l.name,
                  off: { c: 0, terms: [starts[i]] },
                  strides: axes.map((d) => leafStrides[i][d]),
                })),
                (index) => {
                  const names = new Map<Value, string>();
                  L.forEach((l, i) => {
                    const v = w.fresh('x');
                    w.line(`const ${v} = ${l.name}[${index[i]}];`);
                    names.set(leaves[i], v);
                  });
                  emitNodes(w, order, names);
                  w.line(update(kind, acc, names.get(x)!, int));
                },
              );
              w.line(`${O.name}[${oi}] = ${acc};`);
            },
          );
        },
        new Set(),
        { kind: 'reduce', op: kind, x, axes, out },
      ),
    );
    return [out];
  };
}

export const reduceRules: [string, LoweringRule][] = [
  ['reduce_sum', reduceRule('sum')],
  ['reduce_max', reduceRule('max')],
  ['reduce_min', reduceRule('min')],
];

/** The reductions, which compute an elementwise input in their own loop (lower.ts fuses it). */
export const REDUCTIONS: ReadonlySet<string> = new Set(reduceRules.map(([name]) => name));
