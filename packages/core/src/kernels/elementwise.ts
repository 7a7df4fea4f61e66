// SPDX-License-Identifier: MIT

import { canGenerateCode } from '../runtime/codegen.js';
import type { TypedArray } from '../tensor/dtype.js';
import { type Shape, shapesEqual } from '../tensor/shape.js';
import { compileKernelExpression, type Value } from './expr_closure.js';
import { SPECIAL_MATH_NAME, specialMath } from './special_math.js';
import { broadcastStrides, forEachRow } from './strided.js';

type Flat = (inputs: TypedArray[], scalarMask: boolean[], out: TypedArray, n: number) => void;
type Row = (
  inputs: TypedArray[],
  offsets: number[],
  steps: number[],
  out: TypedArray,
  outOffset: number,
  n: number,
) => void;

export type ElementwiseKernel = (
  inputs: { buffer: TypedArray; shape: Shape }[],
  out: TypedArray,
  outShape: Shape,
) => void;

const NAMES = ['x', 'y', 'z'];

/**
 * Builds an n-ary elementwise kernel from a JS expression over `x`, `y`, `z`. Generating a
 * function per operation keeps each loop monomorphic, which is several times faster in V8 than
 * calling a shared loop with a callback per element. Where generating code is forbidden (a
 * Content-Security-Policy without 'unsafe-eval'), or when `generate` is false, the same
 * expression runs as closures instead: slower, bitwise the same results.
 */
export function elementwiseKernel(
  arity: number,
  expr: string,
  generate = canGenerateCode(),
): ElementwiseKernel {
  const names = NAMES.slice(0, arity);
  const loops = generate ? generatedLoops(names, expr) : null;
  const { flat, row } = loops ?? closureLoops(names, expr);
  return (inputs, out, outShape) => {
    const n = out.length;
    const buffers = inputs.map((t) => t.buffer);
    let simple = true;
    const scalarMask = inputs.map((t) => {
      if (t.buffer.length === 1 && n !== 1) return true;
      if (t.buffer.length !== n || !shapesEqual(t.shape, outShape)) simple = false;
      return false;
    });
    if (simple) {
      flat(buffers, scalarMask, out, n);
      return;
    }
    const strides = inputs.map((t) => broadcastStrides(t.shape, outShape));
    const last = outShape.length - 1;
    const steps = strides.map((s) => (last >= 0 ? s[last] : 0));
    forEachRow(outShape, strides, (offsets, length, outOffset) => {
      row(buffers, offsets, steps, out, outOffset, length);
    });
  };
}

/** The loops as generated functions, or null where `new Function` throws EvalError. */
function generatedLoops(names: readonly string[], expr: string): { flat: Flat; row: Row } | null {
  const flatBody = [
    ...names.map((v, k) => `const ${v}s = inputs[${k}]; const ${v}c = scalarMask[${k}];`),
    ...names.map((v) => `let ${v} = ${v}s[0];`),
    'for (let i = 0; i < n; i++) {',
    ...names.map((v) => `  if (!${v}c) ${v} = ${v}s[i];`),
    `  out[i] = ${expr};`,
    '}',
  ].join('\n');
  const rowBody = [
    ...names.map(
      (v, k) => `const ${v}s = inputs[${k}]; let ${v}p = offsets[${k}]; const ${v}d = steps[${k}];`,
    ),
    'for (let i = 0; i < n; i++) {',
    ...names.map((v) => `  const ${v} = ${v}s[${v}p]; ${v}p += ${v}d;`),
    `  out[outOffset + i] = ${expr};`,
    '}',
  ].join('\n');
  // Expressions may call `SpecialMath.<fn>` (kernels/special_math.ts): bound as a parameter.
  try {
    return {
      flat: new Function(
        SPECIAL_MATH_NAME,
        `return function flat(inputs, scalarMask, out, n) {\n${flatBody}\n};`,
      )(specialMath) as Flat,
      row: new Function(
        SPECIAL_MATH_NAME,
        `return function row(inputs, offsets, steps, out, outOffset, n) {\n${rowBody}\n};`,
      )(specialMath) as Row,
    };
  } catch (e) {
    if (e instanceof EvalError) return null;
    throw e;
  }
}

/** The same loops over a closure-compiled expression: no generated code. */
function closureLoops(names: readonly string[], expr: string): { flat: Flat; row: Row } {
  const { evaluate, slots } = compileKernelExpression(expr, names);
  const arity = names.length;
  const flat: Flat = (inputs, scalarMask, out, n) => {
    const env = new Array<Value>(slots);
    for (let k = 0; k < arity; k++) env[k] = inputs[k][0];
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < arity; k++) if (!scalarMask[k]) env[k] = inputs[k][i];
      out[i] = evaluate(env) as number;
    }
  };
  const row: Row = (inputs, offsets, steps, out, outOffset, n) => {
    const env = new Array<Value>(slots);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < arity; k++) env[k] = inputs[k][offsets[k] + i * steps[k]];
      out[outOffset + i] = evaluate(env) as number;
    }
  };
  return { flat, row };
}
