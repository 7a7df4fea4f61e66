// SPDX-License-Identifier: MIT
// Reductions: one accumulator per output element, the reduced axes looped innermost through
// the input's strides (so reducing a transposed or broadcast view needs no copy). For
// WebAssembly an elementwise input (sum of squares: reduce_sum(x·x)) is computed in that loop.
import type { ReduceParams } from '../../prims/reduce_sum.js';
import { emitLoopNest } from '../loops.js';
import { type LoweringRule, leavesOf } from '../lower.js';
import { kernel } from '../steps.js';
import { location } from '../values.js';

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
    if (x0.kind === 'expr' && lo.target === 'wasm') {
      // The elementwise input is computed in the reduction's own loop (wasm/kernels.ts).
      const noJavaScript = () => {
        throw new Error('compile: a reduction of a fused expression has no JavaScript lowering');
      };
      steps.push(
        kernel(leavesOf(x0), [out.buf], noJavaScript, new Set(), {
          kind: 'reduce',
          op: kind,
          x: x0,
          axes,
          out,
        }),
      );
      return [out];
    }
    const x = lo.materialize(x0, steps);
    const kept = x.shape.map((_, d) => d).filter((d) => !axes.includes(d));
    const int = outAval.dtype === 'int32';
    steps.push(
      kernel(
        [x],
        [out.buf],
        (w) => {
          const [O, X] = [out, x].map(location);
          emitLoopNest(
            w,
            kept.map((d) => x.shape[d]),
            [
              { name: O.name, off: O.off, strides: out.strides },
              { name: X.name, off: X.off, strides: kept.map((d) => x.strides[d]) },
            ],
            ([oi, xi]) => {
              const acc = w.fresh('acc');
              w.line(`let ${acc} = ${INIT[kind]};`);
              emitLoopNest(
                w,
                axes.map((d) => x.shape[d]),
                [
                  {
                    name: X.name,
                    off: { c: 0, terms: [xi] },
                    strides: axes.map((d) => x.strides[d]),
                  },
                ],
                ([i]) => {
                  const v = w.fresh('x');
                  w.line(`const ${v} = ${X.name}[${i}];`);
                  w.line(update(kind, acc, v, int));
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
