// SPDX-License-Identifier: MIT
// dynamic_slice and dynamic_update_slice: a strided copy whose offset has run-time terms, the
// clamped starts read from their scalars inside the kernel (so a start that is a scan carry is
// read afresh each iteration). The JavaScript lowering emits it here; the WebAssembly lowering
// reads the same copy as a `dynamicCopy` spec (wasm/dynamic_copy.ts).
import type { DynamicSliceParams } from '../../prims/dynamic_slice.js';
import { sizeOf, stridesOf } from '../../tensor/shape.js';
import { copyKernel } from '../array_kernels.js';
import { emitLoopNest } from '../loops.js';
import type { Lowering, LoweringRule } from '../lower.js';
import type { SourceWriter } from '../source.js';
import { type KernelSpec, kernel, type Step } from '../steps.js';
import {
  type ArrayValue,
  addOffset,
  literal,
  location,
  renderOffset,
  type Value,
} from '../values.js';

/** Emits `const startK = clamp(start)` per axis; returns their names. */
function emitStarts(
  w: SourceWriter,
  starts: readonly Value[],
  dims: readonly number[],
  sizes: readonly number[],
): string[] {
  return starts.map((s, d) => {
    const name = w.fresh('start');
    let read: string;
    if (s.kind === 'lit') read = literal(s.value);
    else {
      const l = location(s as ArrayValue);
      read = `${l.name}[${renderOffset(l.off)}]`;
    }
    w.line(`const ${name} = Math.min(Math.max(${read}, 0), ${dims[d] - sizes[d]});`);
    return name;
  });
}

/**
 * Copies `src` into `dst` over `src`'s shape; the side named by `shifted` is offset by the
 * run-time starts (times its strides).
 */
function windowCopy(
  w: SourceWriter,
  src: ArrayValue,
  dst: ArrayValue,
  shifted: 'src' | 'dst',
  names: readonly string[],
): void {
  const moved = shifted === 'src' ? src : dst;
  const shift = {
    c: 0,
    terms: names.flatMap((n, d) => (moved.strides[d] === 0 ? [] : [`${n} * ${moved.strides[d]}`])),
  };
  const [d, s] = [location(dst), location(src)];
  emitLoopNest(
    w,
    src.shape,
    [
      {
        name: d.name,
        off: shifted === 'dst' ? addOffset(d.off, shift) : d.off,
        strides: dst.strides,
      },
      {
        name: s.name,
        off: shifted === 'src' ? addOffset(s.off, shift) : s.off,
        strides: src.strides,
      },
    ],
    ([di, si]) => w.line(`${d.name}[${di}] = ${s.name}[${si}];`),
  );
}

const arraysOf = (vs: readonly Value[]) => vs.filter((v): v is ArrayValue => v.kind === 'array');

/** Starts as kernel operands: literals stay literals, fused expressions are computed first. */
const startValues = (lo: Lowering, ins: readonly Value[], steps: Step[]) =>
  ins.map((v) => (v.kind === 'expr' ? lo.materialize(v, steps) : v));

/** The clamping limits dim − size per axis. */
const limitsOf = (dims: readonly number[], sizes: readonly number[]) =>
  dims.map((n, d) => n - sizes[d]);

export const dynamicSliceRule: LoweringRule = (lo, eqn, ins, steps) => {
  const { sizes } = eqn.params as DynamicSliceParams;
  const x = lo.materialize(ins[0], steps);
  const starts = startValues(lo, ins.slice(1), steps);
  const out = lo.temp(x.dtype, sizes);
  if (sizeOf(sizes) === 0) return [out];
  // Read x through a window of its strides; the loop runs over the output's shape.
  const window: ArrayValue = { ...x, shape: sizes };
  const spec: KernelSpec = {
    kind: 'dynamicCopy',
    src: window,
    dst: out,
    shifted: 'src',
    starts,
    limits: limitsOf(x.shape, sizes),
  };
  steps.push(
    kernel(
      [x, ...arraysOf(starts)],
      [out.buf],
      (w) => {
        const names = emitStarts(w, starts, x.shape, sizes);
        windowCopy(w, window, out, 'src', names);
      },
      new Set(),
      spec,
    ),
  );
  return [out];
};

export const dynamicUpdateSliceRule: LoweringRule = (lo, _eqn, ins, steps) => {
  const x = lo.materialize(ins[0], steps);
  const update = lo.materialize(ins[1], steps);
  const starts = startValues(lo, ins.slice(2), steps);
  const out = lo.temp(x.dtype, x.shape);
  steps.push(copyKernel(x, out));
  if (sizeOf(update.shape) === 0) return [out];
  const region: ArrayValue = { ...out, shape: update.shape, strides: stridesOf(x.shape) };
  const spec: KernelSpec = {
    kind: 'dynamicCopy',
    src: update,
    dst: region,
    shifted: 'dst',
    starts,
    limits: limitsOf(x.shape, update.shape),
  };
  const k = kernel(
    [update, ...arraysOf(starts)],
    [],
    (w) => {
      const names = emitStarts(w, starts, x.shape, update.shape);
      windowCopy(w, update, region, 'dst', names);
    },
    new Set(),
    spec,
  );
  steps.push({ ...k, updates: [out.buf] });
  return [out];
};
