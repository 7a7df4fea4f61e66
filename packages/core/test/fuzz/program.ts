// The fuzzer's program description: a small typed AST over numbered values. Every value has a
// unique id (printed v<id>) and a static shape; blocks (bodies of control flow) see their
// parameters plus every value of the enclosing blocks (closures). `interpret.ts` turns it into a
// real function over Loom tensors; `program_arbitrary.ts` generates it.
import type { DotGeneralParams } from '@loom/core';

export type FloatDtype = 'float32' | 'float64';

/** Unary ops; guarded ones keep their argument in the op's domain (printed as formulas). */
export const UNARY_OPS = [
  'neg',
  'sin',
  'cos',
  'tanh',
  'logistic',
  'softplus',
  'expTanh',
  'exp',
  'sqrtGuard',
  'logGuard',
  'log1pSquare',
  'rsqrtGuard',
  'logAbs',
  'abs',
  'sign',
  'relu',
  'stopGradient',
  'roundTrip',
  'floor',
  'ceil',
  'round',
  'trunc',
  'erf',
] as const;
export type UnaryOp = (typeof UNARY_OPS)[number];

export const BINARY_OPS = [
  'add',
  'sub',
  'mul',
  'divGuard',
  'powGuard',
  'maximum',
  'minimum',
] as const;
export type BinaryOp = (typeof BINARY_OPS)[number];

export const COMPARISONS = ['lt', 'le', 'gt', 'ge', 'eq', 'ne'] as const;
export type Comparison = (typeof COMPARISONS)[number];

/** Float predicates, each read as 0/1 in the program's dtype (see PREDICATE_FORMULA). */
export const PREDICATES = ['isNan', 'isFinite', 'isInf'] as const;
export type Predicate = (typeof PREDICATES)[number];

/** Logical ops on a numeric operand (true where ≠ 0) and a comparison, read as 0/1. */
export const LOGICAL_OPS = ['and', 'or', 'xor', 'not'] as const;
export type LogicalOp = (typeof LOGICAL_OPS)[number];

/**
 * A window start of dynamicSlice/dynamicUpdateSlice: a literal (possibly out of range, so it is
 * clamped), or traced from data as `int(floor(sum(v_from))) + offset`.
 */
export type Start = number | { readonly from: number; readonly offset: number };

export type ReduceOp = 'sum' | 'mean' | 'max' | 'min';
export type AxisOp =
  | 'softmax'
  | 'logSoftmax'
  | 'logSumExp'
  | 'argmaxOneHot'
  | 'argminOneHot'
  | 'argsort';

/** A pair of values travelling together as the pytree `{ a, b }`. */
export type Pair = readonly [number, number];

export type Stmt =
  | { kind: 'unary'; op: UnaryOp; x: number; out: number }
  | { kind: 'binary'; op: BinaryOp; x: number; y: number; out: number }
  | { kind: 'integerPow'; x: number; n: number; out: number }
  | { kind: 'reduce'; op: ReduceOp; x: number; axes: number[]; keepdims: boolean; out: number }
  | { kind: 'axis'; op: AxisOp; x: number; axis: number; out: number }
  | { kind: 'matmul'; x: number; y: number; out: number }
  | { kind: 'dotGeneral'; x: number; y: number; dims: DotGeneralParams; out: number }
  | { kind: 'reshape'; x: number; shape: number[]; out: number }
  | { kind: 'transpose'; x: number; perm: number[]; out: number }
  | { kind: 'slice'; x: number; starts: number[]; limits: number[]; steps: number[]; out: number }
  | { kind: 'concat'; xs: number[]; axis: number; out: number }
  | { kind: 'broadcast'; x: number; shape: number[]; out: number }
  | { kind: 'where'; cmp: Comparison; p: number; q: number; x: number; y: number; out: number }
  | { kind: 'take'; x: number; indices: number[]; axis: number; out: number }
  | { kind: 'scatterAdd'; x: number; indices: number[]; size: number; axis: number; out: number }
  | { kind: 'iotaAdd'; x: number; dim: number; out: number }
  /** flip along `axes` (null: every axis). */
  | { kind: 'flip'; x: number; axes: number[] | null; out: number }
  | { kind: 'dynamicSlice'; x: number; starts: Start[]; sizes: number[]; out: number }
  | { kind: 'dynamicUpdateSlice'; x: number; update: number; starts: Start[]; out: number }
  | { kind: 'predicate'; op: Predicate; x: number; out: number }
  | { kind: 'logical'; op: LogicalOp; x: number; y: number; out: number }
  /** A tensor made inside the function (jit captures it; one repeated value becomes a literal). */
  | { kind: 'constant'; shape: number[]; values: number[]; out: number }
  | {
      kind: 'scan';
      init: Pair;
      xs: number | null;
      length: number;
      reverse: boolean;
      checkpoint: boolean;
      unroll: number;
      body: Block;
      outs: [number, number, number];
    }
  | { kind: 'cond'; pred: number; args: Pair; onTrue: Block; onFalse: Block; outs: Pair }
  /** switchCase on `int(floor(2 * mean(v_index) + 1))` (clamped to the branches). */
  | { kind: 'switch'; index: number; args: Pair; branches: Block[]; outs: Pair }
  | { kind: 'while'; trips: number; args: Pair; body: Block; outs: Pair }
  | { kind: 'fori'; trips: number; args: Pair; body: Block; outs: Pair }
  | { kind: 'checkpoint' | 'jit'; args: Pair; body: Block; outs: Pair }
  | { kind: 'vmap'; mapped: number; axis: number; shared: number; body: Block; out: number };

/** A body: parameters bound on entry, statements, and the ids it returns. */
export interface Block {
  params: number[];
  stmts: Stmt[];
  results: number[];
}

export interface Program {
  dtype: FloatDtype;
  /** Seed of the input values (uniform in [-2, 2)). */
  dataSeed: number;
  inputs: number[];
  /** Static shape of every value id. */
  shapes: number[][];
  body: Block;
  /** Whether the program holds a whileLoop (reverse mode is then unsupported by design). */
  hasWhile: boolean;
}

// ---------------------------------------------------------------------------------------------
// Printing: one statement per line, nested blocks indented, so a shrunk failure reads as code.
// ---------------------------------------------------------------------------------------------

const UNARY_FORMULA: Record<UnaryOp, string> = {
  neg: 'neg(#)',
  sin: 'sin(#)',
  cos: 'cos(#)',
  tanh: 'tanh(#)',
  logistic: 'logistic(#)',
  softplus: 'softplus(#)',
  expTanh: 'exp(tanh(#))',
  exp: 'exp(#)',
  sqrtGuard: 'sqrt(#*# + 1)',
  logGuard: 'log(#*# + 1)',
  log1pSquare: 'log1p(#*#)',
  rsqrtGuard: 'rsqrt(#*# + 1)',
  logAbs: 'log(abs(#) + 1)',
  abs: 'abs(#)',
  sign: 'sign(#)',
  relu: 'relu(#)',
  stopGradient: 'stopGradient(#)',
  roundTrip: 'astype(astype(#, other float), dtype)',
  floor: 'floor(#)',
  ceil: 'ceil(#)',
  round: 'round(#)',
  trunc: 'trunc(#)',
  erf: 'erf(#)',
};

/**
 * Predicates see values that hit them: log is NaN below 0, 1 / relu is +∞ at and below 0. (Not
 * an overflow such as exp(400·x): the JavaScript lowering keeps fused float32 intermediates in
 * double precision, so a float32 overflow to ∞ inside a fused chain differs from eager.)
 */
const PREDICATE_FORMULA: Record<Predicate, string> = {
  isNan: 'astype(isnan(log(#)), dtype)',
  isFinite: 'astype(isfinite(log(#)), dtype)',
  isInf: 'astype(isinf(1 / relu(#)), dtype)',
};

const LOGICAL_FORMULA: Record<LogicalOp, string> = {
  and: 'astype(logicalAnd(relu(#), gt(@, 0)), dtype)',
  or: 'astype(logicalOr(relu(#), gt(@, 0)), dtype)',
  xor: 'astype(logicalXor(relu(#), gt(@, 0)), dtype)',
  not: 'astype(logicalNot(relu(#)), dtype)',
};

const BINARY_FORMULA: Record<BinaryOp, string> = {
  add: 'add(#, @)',
  sub: 'sub(#, @)',
  mul: 'mul(#, @)',
  divGuard: 'div(#, @*@ + 1)',
  powGuard: 'pow(#*# + 1, tanh(@))',
  maximum: 'maximum(#, @)',
  minimum: 'minimum(#, @)',
};

const v = (id: number) => `v${id}`;
const list = (xs: readonly number[]) => `[${xs.join(', ')}]`;
const startList = (starts: readonly Start[]) =>
  `[${starts.map((s) => (typeof s === 'number' ? s : `int(floor(sum(${v(s.from)}))) + ${s.offset}`)).join(', ')}]`;

function describe(s: Stmt): string {
  switch (s.kind) {
    case 'unary':
      return UNARY_FORMULA[s.op].replaceAll('#', v(s.x));
    case 'binary':
      return BINARY_FORMULA[s.op].replaceAll('#', v(s.x)).replaceAll('@', v(s.y));
    case 'integerPow':
      return `integerPow(${v(s.x)}, ${s.n})`;
    case 'reduce':
      return `${s.op}(${v(s.x)}, axes ${list(s.axes)}, keepdims ${s.keepdims})`;
    case 'axis':
      return `${s.op}(${v(s.x)}, axis ${s.axis})`;
    case 'matmul':
      return `matmul(${v(s.x)}, ${v(s.y)})`;
    case 'dotGeneral':
      return `dotGeneral(${v(s.x)}, ${v(s.y)}, ${JSON.stringify(s.dims)})`;
    case 'reshape':
      return `reshape(${v(s.x)}, ${list(s.shape)})`;
    case 'transpose':
      return `transpose(${v(s.x)}, ${list(s.perm)})`;
    case 'slice':
      return `slice(${v(s.x)}, ${list(s.starts)}, ${list(s.limits)}, ${list(s.steps)})`;
    case 'concat':
      return `concat([${s.xs.map(v).join(', ')}], ${s.axis})`;
    case 'broadcast':
      return `broadcastTo(${v(s.x)}, ${list(s.shape)})`;
    case 'where':
      return `where(${s.cmp}(${v(s.p)}, ${s.q < 0 ? '0' : v(s.q)}), ${v(s.x)}, ${v(s.y)})`;
    case 'take':
      return `take(${v(s.x)}, ${list(s.indices)}, axis ${s.axis})`;
    case 'scatterAdd':
      return `scatterAdd(${v(s.x)}, ${list(s.indices)}, size ${s.size}, axis ${s.axis})`;
    case 'iotaAdd':
      return `add(${v(s.x)}, astype(iota(shape, ${s.dim})))`;
    case 'constant':
      return `constant(${list(s.values)})`;
    case 'flip':
      return `flip(${v(s.x)}, axes ${s.axes === null ? 'all' : list(s.axes)})`;
    case 'dynamicSlice':
      return `dynamicSlice(${v(s.x)}, ${startList(s.starts)}, sizes ${list(s.sizes)})`;
    case 'dynamicUpdateSlice':
      return `dynamicUpdateSlice(${v(s.x)}, ${v(s.update)}, ${startList(s.starts)})`;
    case 'predicate':
      return PREDICATE_FORMULA[s.op].replaceAll('#', v(s.x));
    case 'logical':
      return LOGICAL_FORMULA[s.op].replaceAll('#', v(s.x)).replaceAll('@', v(s.y));
    default:
      return s.kind;
  }
}

function pairArg([a, b]: Pair): string {
  return `{ a: ${v(a)}, b: ${v(b)} }`;
}

function printBlock(block: Block, shapes: number[][], indent: string, lines: string[]): void {
  const typed = (id: number) => `${v(id)}: ${list(shapes[id])}`;
  for (const s of block.stmts) {
    const nested = (head: string, outs: readonly number[], bodies: [string, Block][]) => {
      lines.push(`${indent}${outs.map(typed).join(', ')} = ${head} {`);
      for (const [label, b] of bodies) {
        lines.push(`${indent}  ${label}(${b.params.map(typed).join(', ')}):`);
        printBlock(b, shapes, `${indent}    `, lines);
      }
      lines.push(`${indent}}`);
    };
    switch (s.kind) {
      case 'scan':
        nested(
          `scan(carry ${pairArg(s.init)}, xs ${s.xs === null ? `null, length ${s.length}` : v(s.xs)}` +
            `${s.reverse ? ', reverse' : ''}${s.checkpoint ? ', checkpoint' : ''}` +
            `${s.unroll > 1 ? `, unroll ${s.unroll}` : ''})`,
          s.outs,
          [['body', s.body]],
        );
        break;
      case 'cond':
        nested(`cond(sum(${v(s.pred)}) > 0, ${pairArg(s.args)})`, s.outs, [
          ['true', s.onTrue],
          ['false', s.onFalse],
        ]);
        break;
      case 'switch':
        nested(
          `switchCase(int(floor(2 * mean(${v(s.index)}) + 1)), ${pairArg(s.args)})`,
          s.outs,
          s.branches.map((b, k) => [`branch ${k}`, b]),
        );
        break;
      case 'while':
        nested(`whileLoop(i < ${s.trips}, ${pairArg(s.args)})`, s.outs, [['body', s.body]]);
        break;
      case 'fori':
        nested(`foriLoop(0, ${s.trips}, ${pairArg(s.args)})`, s.outs, [
          ['body(i as float)', s.body],
        ]);
        break;
      case 'checkpoint':
      case 'jit':
        nested(`${s.kind}(${pairArg(s.args)})`, s.outs, [['f', s.body]]);
        break;
      case 'vmap':
        nested(
          `vmap(axis ${s.axis} of ${v(s.mapped)}, shared ${v(s.shared)})`,
          [s.out],
          [['f', s.body]],
        );
        break;
      default:
        lines.push(`${indent}${typed(s.out)} = ${describe(s)}`);
    }
  }
  lines.push(`${indent}return [${block.results.map(v).join(', ')}]`);
}

/** The program as readable pseudo-code (what a failing property prints). */
export function printProgram(p: Program): string {
  const lines = [
    `program(${p.inputs.map((id) => `${v(id)}: ${list(p.shapes[id])}`).join(', ')}) ` +
      `dtype ${p.dtype}, inputs uniform in [-2, 2) from dataSeed ${p.dataSeed}`,
  ];
  printBlock(p.body, p.shapes, '  ', lines);
  return lines.join('\n');
}
