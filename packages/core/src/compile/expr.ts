// SPDX-License-Identifier: MIT
// Fused elementwise expressions: built from equations (each float32 operation rounded, as
// stored results would be), walked once per node in post-order, re-strided through layout
// views, and emitted as JavaScript `const`s. Shared by both lowerings.
import type { Eqn } from '../ir/jaxpr.js';
import type { DType } from '../tensor/dtype.js';
import type { Shape } from '../tensor/shape.js';
import type { SourceWriter } from './source.js';
import {
  type ArrayValue,
  broadcastStrides,
  type ExprValue,
  literal,
  type Value,
} from './values.js';

const CONVERT = 'convert_element_type';

/** Whether an equation is elementwise (it has an expression template, or converts a dtype). */
export function isElementwise(eqn: Eqn): boolean {
  return eqn.prim.elementwiseExpr !== undefined || eqn.prim.name === CONVERT;
}

const PLACEHOLDER = /\b[xyz]\b/g;
const SLOT: Record<string, number> = { x: 0, y: 1, z: 2 };

/** Converts an element computed as a double to what storing it as `dtype` would give. */
function castTo(expr: string, dtype: DType, from: DType): string {
  switch (dtype) {
    case 'int32':
      return from === 'int32' || from === 'bool' ? expr : `(${expr}) | 0`;
    case 'bool':
      return from === 'bool' ? expr : `(${expr} !== 0 ? 1 : 0)`;
    case 'float32':
      return from === 'bool' ? expr : `Math.fround(${expr})`;
    case 'float64':
      return expr;
  }
}

/** The expression computing an elementwise equation's result from its inputs' values. */
export function elementwiseExpr(eqn: Eqn, inputs: Value[]): ExprValue {
  const out = eqn.outBinders[0].aval;
  if (eqn.prim.name === CONVERT) {
    const from = inputs[0].dtype;
    return {
      kind: 'expr',
      shape: out.shape,
      dtype: out.dtype,
      inputs,
      op: { prim: CONVERT, params: eqn.params },
      build: ([x]) =>
        out.dtype === 'int32' && (from === 'float32' || from === 'float64')
          ? `Math.trunc(${x}) | 0`
          : castTo(x, out.dtype, from),
    };
  }
  const template = eqn.prim.elementwiseExpr!(eqn.params, out.dtype);
  const wrap = out.dtype === 'int32';
  // Every float32 operation rounds, as the eager kernels (which store each result) and the wasm
  // lowering do: a fused chain kept in double precision would not overflow, underflow or round
  // where they do (isinf(exp(400·x)) would differ).
  const round = out.dtype === 'float32';
  return {
    kind: 'expr',
    shape: out.shape,
    dtype: out.dtype,
    inputs,
    op: { prim: eqn.prim.name, params: eqn.params },
    build: (args) => {
      const e = template.replace(PLACEHOLDER, (m) => args[SLOT[m]]);
      return wrap ? `(${e}) | 0` : round ? `Math.fround(${e})` : e;
    },
  };
}

/** The nodes of an expression, each once, inputs before their users (iterative: long chains). */
export function postOrder(root: Value): Value[] {
  const order: Value[] = [];
  // A node read twice (x·x) is listed once, so a chain of squarings stays linear.
  const listed = new Set<Value>();
  const stack: { v: Value; expanded: boolean }[] = [{ v: root, expanded: false }];
  while (stack.length > 0) {
    const top = stack.pop()!;
    if (listed.has(top.v)) continue;
    if (top.v.kind !== 'expr' || top.expanded) {
      order.push(top.v);
      listed.add(top.v);
      continue;
    }
    stack.push({ v: top.v, expanded: true });
    for (let i = top.v.inputs.length - 1; i >= 0; i--) {
      stack.push({ v: top.v.inputs[i], expanded: false });
    }
  }
  return order;
}

/** The arrays an expression reads, each once (an array reads itself). */
export function leavesOf(root: Value): ArrayValue[] {
  return [...new Set(postOrder(root).filter((v): v is ArrayValue => v.kind === 'array'))];
}

/**
 * Emits a `const` for each expression node of `order` (a `postOrder`) not yet in `names`, which
 * maps the leaves to the names holding their elements and gains each node's name.
 */
export function emitNodes(
  w: SourceWriter,
  order: readonly Value[],
  names: Map<Value, string>,
): void {
  for (const v of order) {
    if (v.kind === 'lit') names.set(v, `(${literal(v.value)})`);
    else if (v.kind === 'expr' && !names.has(v)) {
      const n = w.fresh('v');
      w.line(`const ${n} = ${v.build(v.inputs.map((x) => names.get(x)!))};`);
      names.set(v, n);
    }
  }
}

/**
 * Applies a layout change to a fused expression by applying it to every array it reads (each
 * first read at the expression's full shape). Null when some read cannot be re-strided.
 */
export function viewExpr(
  expr: ExprValue,
  shape: Shape,
  view: (a: ArrayValue) => ArrayValue | null,
): ExprValue | null {
  // Shared nodes stay shared: the emitters compute each node once, keyed on identity.
  const remapped = new Map<Value, Value>();
  for (const v of postOrder(expr)) {
    let r: Value | null;
    if (v.kind === 'lit') r = { ...v, shape };
    else if (v.kind === 'array')
      r = view({ ...v, shape: expr.shape, strides: broadcastStrides(v, expr.shape) });
    else r = { ...v, shape, inputs: v.inputs.map((x) => remapped.get(x)!) };
    if (!r) return null;
    remapped.set(v, r);
  }
  return remapped.get(expr) as ExprValue;
}
