// Fused expressions as graphs: every walk lists a shared node once (x·x reads x twice; a chain
// of squarings must stay linear, not 2^n), walks are iterative (long chains), and re-striding
// keeps the sharing, so the emitted code computes each node once.
import { describe, expect, test } from 'vitest';
import type { Shape } from '../tensor/shape.js';
import { emitNodes, leavesOf, postOrder, viewExpr } from './expr.js';
import { SourceWriter } from './source.js';
import { type ArrayValue, Buf, contiguous, type ExprValue, type Value } from './values.js';

const array = (name: string, shape: Shape): ArrayValue =>
  contiguous(
    new Buf(
      'input',
      'float64',
      shape.reduce((a, b) => a * b, 1),
      name,
    ),
    shape,
  );

const node = (prim: string, template: string, ...inputs: Value[]): ExprValue => ({
  kind: 'expr',
  shape: inputs[0].shape,
  dtype: 'float64',
  inputs,
  op: { prim, params: {} },
  build: (args) => template.replace(/\$(\d)/g, (_, i) => args[Number(i)]),
});

/** y = x; then y = y·y, n times. */
function squarings(x: ArrayValue, n: number): ExprValue {
  let y: Value = x;
  for (let i = 0; i < n; i++) y = node('mul', '($0 * $1)', y, y);
  return y as ExprValue;
}

describe('postOrder and leavesOf', () => {
  test('list a node read twice once, inputs before users', () => {
    const x = array('x', [3]);
    const b = array('b', [3]);
    const sq = node('mul', '($0 * $1)', x, x);
    const root = node('add', '($0 + $1)', sq, b);
    expect(postOrder(root)).toEqual([x, sq, b, root]);
    expect(leavesOf(root)).toEqual([x, b]);
    expect(leavesOf(x)).toEqual([x]);
  });

  test('walk a chain of 100,000 squarings linearly and without recursion', () => {
    const x = array('x', [2]);
    const order = postOrder(squarings(x, 100_000));
    expect(order).toHaveLength(100_001);
    expect(order[0]).toBe(x);
    expect(leavesOf(order[order.length - 1])).toEqual([x]);
  });
});

describe('emitNodes', () => {
  test('computes each node once and evaluates to the right value', () => {
    const x = array('x', [1]);
    const root = node('add', '($0 + $1)', squarings(x, 3), x);
    const w = new SourceWriter();
    const names = new Map<Value, string>([[x, 'xv']]);
    emitNodes(w, postOrder(root), names);
    const source = w.toString();
    // Three squarings and the add: four lines, each multiply written once.
    expect(source.split('\n')).toHaveLength(4);
    expect(source.match(/\*/g)).toHaveLength(3);
    const value = new Function('xv', `${source}\nreturn ${names.get(root)};`)(1.5) as number;
    expect(value).toBe(1.5 ** 8 + 1.5);
  });
});

describe('viewExpr', () => {
  test('re-strides every read and keeps shared nodes shared', () => {
    const x = array('x', [2, 3]);
    const bias = array('bias', [3]);
    const sq = node('mul', '($0 * $1)', x, x);
    const root = node('add', '($0 + $1)', sq, bias);
    const transposed = viewExpr(root, [3, 2], (a) => ({
      ...a,
      shape: [a.shape[1], a.shape[0]],
      strides: [a.strides[1], a.strides[0]],
    }));
    expect(transposed).not.toBeNull();
    const order = postOrder(transposed!);
    expect(order).toHaveLength(4);
    const [x2, sq2, bias2] = order as [ArrayValue, ExprValue, ArrayValue];
    expect(sq2.inputs[0]).toBe(sq2.inputs[1]);
    expect(x2.strides).toEqual([1, 3]);
    // The bias is first read at the expression's shape (broadcast: stride 0 down the rows).
    expect(bias2.strides).toEqual([1, 0]);
    expect(transposed!.shape).toEqual([3, 2]);
  });

  test('is null when a read cannot be re-strided', () => {
    const x = array('x', [2, 3]);
    expect(viewExpr(node('neg', '(-$0)', x), [6], () => null)).toBeNull();
  });
});
