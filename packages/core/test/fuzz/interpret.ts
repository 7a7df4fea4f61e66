// Builds the real function a fuzz Program describes, through @loom/core's public API only.
import {
  abs,
  add,
  argmax,
  argmin,
  argsort,
  astype,
  broadcastTo,
  ceil,
  checkpoint,
  concat,
  cond,
  cos,
  div,
  dotGeneral,
  dynamicSlice,
  dynamicUpdateSlice,
  eq,
  erf,
  exp,
  flip,
  floor,
  foriLoop,
  ge,
  gt,
  integerPow,
  iota,
  isfinite,
  isinf,
  isnan,
  jit,
  le,
  log,
  log1p,
  logicalAnd,
  logicalNot,
  logicalOr,
  logicalXor,
  logistic,
  logSoftmax,
  logSumExp,
  lt,
  matmul,
  max,
  maximum,
  mean,
  min,
  minimum,
  mul,
  ne,
  neg,
  oneHot,
  pow,
  relu,
  reshape,
  round,
  rsqrt,
  scalar,
  scan,
  scatterAdd,
  sign,
  sin,
  slice,
  softmax,
  softplus,
  sqrt,
  stopGradient,
  sub,
  sum,
  switchCase,
  type Tensor,
  take,
  tanh,
  tensor,
  transpose,
  trunc,
  vmap,
  where,
  whileLoop,
} from '@loom/core';
import { randomTensor } from '../jit_helpers.js';
import type {
  BinaryOp,
  Block,
  Comparison,
  FloatDtype,
  LogicalOp,
  Predicate,
  Program,
  Start,
  Stmt,
  UnaryOp,
} from './program.js';

type Env = Map<number, Tensor>;
type Carry = { a: Tensor; b: Tensor };

const square1 = (x: Tensor) => add(mul(x, x), 1);

function unary(op: UnaryOp, x: Tensor, dtype: FloatDtype): Tensor {
  switch (op) {
    case 'neg':
      return neg(x);
    case 'sin':
      return sin(x);
    case 'cos':
      return cos(x);
    case 'tanh':
      return tanh(x);
    case 'logistic':
      return logistic(x);
    case 'softplus':
      return softplus(x);
    case 'expTanh':
      return exp(tanh(x));
    case 'exp':
      return exp(x);
    case 'sqrtGuard':
      return sqrt(square1(x));
    case 'logGuard':
      return log(square1(x));
    case 'log1pSquare':
      return log1p(mul(x, x));
    case 'rsqrtGuard':
      return rsqrt(square1(x));
    case 'logAbs':
      return log(add(abs(x), 1));
    case 'abs':
      return abs(x);
    case 'sign':
      return sign(x);
    case 'relu':
      return relu(x);
    case 'stopGradient':
      return stopGradient(x);
    case 'roundTrip':
      return astype(astype(x, dtype === 'float64' ? 'float32' : 'float64'), dtype);
    case 'floor':
      return floor(x);
    case 'ceil':
      return ceil(x);
    case 'round':
      return round(x);
    case 'trunc':
      return trunc(x);
    case 'erf':
      return erf(x);
  }
}

function predicate(op: Predicate, x: Tensor): Tensor {
  switch (op) {
    case 'isNan':
      return isnan(log(x));
    case 'isFinite':
      return isfinite(log(x));
    case 'isInf':
      return isinf(div(1, relu(x)));
  }
}

function logical(op: LogicalOp, x: Tensor, y: Tensor): Tensor {
  const p = relu(x);
  const q = gt(y, 0);
  switch (op) {
    case 'and':
      return logicalAnd(p, q);
    case 'or':
      return logicalOr(p, q);
    case 'xor':
      return logicalXor(p, q);
    case 'not':
      return logicalNot(p);
  }
}

/** Window starts: literals, or int32 scalars computed from data (traced under jit/vmap). */
const startsOf = (starts: readonly Start[], get: (id: number) => Tensor) =>
  starts.map((s) =>
    typeof s === 'number' ? s : add(astype(floor(sum(get(s.from))), 'int32'), s.offset),
  );

function binary(op: BinaryOp, x: Tensor, y: Tensor): Tensor {
  switch (op) {
    case 'add':
      return add(x, y);
    case 'sub':
      return sub(x, y);
    case 'mul':
      return mul(x, y);
    case 'divGuard':
      return div(x, square1(y));
    case 'powGuard':
      return pow(square1(x), tanh(y));
    case 'maximum':
      return maximum(x, y);
    case 'minimum':
      return minimum(x, y);
  }
}

const COMPARE: Record<Comparison, (x: Tensor, y: Tensor | number) => Tensor> = {
  lt,
  le,
  gt,
  ge,
  eq,
  ne,
};

const int32 = (values: number[]) =>
  tensor(new Int32Array(values), { shape: [values.length], dtype: 'int32' });

function simple(s: Stmt, get: (id: number) => Tensor, dtype: FloatDtype): Tensor {
  switch (s.kind) {
    case 'unary':
      return unary(s.op, get(s.x), dtype);
    case 'binary':
      return binary(s.op, get(s.x), get(s.y));
    case 'integerPow':
      return integerPow(get(s.x), s.n);
    case 'reduce': {
      const f = { sum, mean, max, min }[s.op];
      return f(get(s.x), s.axes, s.keepdims);
    }
    case 'axis': {
      const x = get(s.x);
      switch (s.op) {
        case 'softmax':
          return softmax(x, s.axis);
        case 'logSoftmax':
          return logSoftmax(x, s.axis);
        case 'logSumExp':
          return logSumExp(x, s.axis);
        case 'argmaxOneHot':
          return oneHot(argmax(x, s.axis), x.shape[s.axis], dtype);
        case 'argminOneHot':
          return oneHot(argmin(x, s.axis), x.shape[s.axis], dtype);
        case 'argsort':
          return astype(argsort(x, s.axis), dtype);
      }
      break;
    }
    case 'matmul':
      return matmul(get(s.x), get(s.y));
    case 'dotGeneral':
      return dotGeneral(get(s.x), get(s.y), s.dims);
    case 'reshape':
      return reshape(get(s.x), s.shape);
    case 'transpose':
      return transpose(get(s.x), s.perm);
    case 'slice':
      return slice(get(s.x), s.starts, s.limits, s.steps);
    case 'concat':
      return concat(s.xs.map(get), s.axis);
    case 'broadcast':
      return broadcastTo(get(s.x), s.shape);
    case 'where': {
      const test = COMPARE[s.cmp](get(s.p), s.q < 0 ? 0 : get(s.q));
      return where(test, get(s.x), get(s.y));
    }
    case 'take':
      return take(get(s.x), int32(s.indices), s.axis);
    case 'scatterAdd': {
      const x = get(s.x);
      const shape = x.shape.map((d, k) => (k === s.axis ? s.size : d));
      return scatterAdd(x, int32(s.indices), shape, s.axis);
    }
    case 'iotaAdd': {
      const x = get(s.x);
      return add(x, astype(iota([...x.shape], s.dim), dtype));
    }
    case 'constant':
      return tensor(s.values, { shape: s.shape, dtype });
    case 'flip':
      return flip(get(s.x), s.axes);
    case 'dynamicSlice':
      return dynamicSlice(get(s.x), startsOf(s.starts, get), s.sizes);
    case 'dynamicUpdateSlice':
      return dynamicUpdateSlice(get(s.x), get(s.update), startsOf(s.starts, get));
    case 'predicate':
      return astype(predicate(s.op, get(s.x)), dtype);
    case 'logical':
      return astype(logical(s.op, get(s.x), get(s.y)), dtype);
  }
  throw new Error(`fuzz interpreter: statement ${s.kind} is not simple`);
}

/** Runs a block with `args` bound to its parameters; outer values are read from `outer`. */
function runBlock(block: Block, args: Tensor[], outer: Env, dtype: FloatDtype): Tensor[] {
  const env: Env = new Map(outer);
  block.params.forEach((id, i) => {
    env.set(id, args[i]);
  });
  const get = (id: number): Tensor => {
    const t = env.get(id);
    if (t === undefined) throw new Error(`fuzz interpreter: v${id} is not in scope`);
    return t;
  };
  for (const s of block.stmts) {
    const body =
      (b: Block) =>
      (...xs: Tensor[]) =>
        runBlock(b, xs, env, dtype);
    switch (s.kind) {
      case 'scan': {
        const f = body(s.body);
        const [carry, ys] = scan(
          (c: Carry, x: Tensor | null) => {
            const [a, b, y] = x === null ? f(c.a, c.b) : f(c.a, c.b, x);
            return [{ a, b }, y] as const;
          },
          { a: get(s.init[0]), b: get(s.init[1]) },
          s.xs === null ? null : get(s.xs),
          { length: s.length, reverse: s.reverse, checkpoint: s.checkpoint, unroll: s.unroll },
        );
        env.set(s.outs[0], carry.a).set(s.outs[1], carry.b).set(s.outs[2], ys);
        break;
      }
      case 'cond': {
        const branch =
          (b: Block) =>
          (c: Carry): Carry => {
            const [a, b2] = runBlock(b, [c.a, c.b], env, dtype);
            return { a, b: b2 };
          };
        const pred = gt(sum(get(s.pred)), 0);
        const r = cond(pred, branch(s.onTrue), branch(s.onFalse), {
          a: get(s.args[0]),
          b: get(s.args[1]),
        });
        env.set(s.outs[0], r.a).set(s.outs[1], r.b);
        break;
      }
      case 'switch': {
        const index = astype(floor(add(mul(mean(get(s.index)), 2), 1)), 'int32');
        const branches = s.branches.map((b) => (c: Carry): Carry => {
          const [a, b2] = runBlock(b, [c.a, c.b], env, dtype);
          return { a, b: b2 };
        });
        const r = switchCase(index, branches, { a: get(s.args[0]), b: get(s.args[1]) });
        env.set(s.outs[0], r.a).set(s.outs[1], r.b);
        break;
      }
      case 'while': {
        const f = body(s.body);
        const r = whileLoop(
          (c: Carry & { i: Tensor }) => lt(c.i, s.trips),
          (c) => {
            const [a, b] = f(c.a, c.b);
            return { i: add(c.i, 1), a, b };
          },
          { i: scalar(0, 'int32'), a: get(s.args[0]), b: get(s.args[1]) },
        );
        env.set(s.outs[0], r.a).set(s.outs[1], r.b);
        break;
      }
      case 'fori': {
        const f = body(s.body);
        const r = foriLoop(
          0,
          s.trips,
          (i, c: Carry) => {
            const [a, b] = f(astype(i, dtype), c.a, c.b);
            return { a, b };
          },
          { a: get(s.args[0]), b: get(s.args[1]) },
        );
        env.set(s.outs[0], r.a).set(s.outs[1], r.b);
        break;
      }
      case 'checkpoint':
      case 'jit': {
        const f = body(s.body);
        const wrap = s.kind === 'jit' ? jit : checkpoint;
        const [a, b] = wrap((x: Tensor, y: Tensor) => f(x, y))(get(s.args[0]), get(s.args[1]));
        env.set(s.outs[0], a).set(s.outs[1], b);
        break;
      }
      case 'vmap': {
        const f = body(s.body);
        const out = vmap((m: Tensor, shared: Tensor) => f(m, shared)[0], {
          inAxes: [s.axis, null],
        })(get(s.mapped), get(s.shared));
        env.set(s.out, out);
        break;
      }
      default:
        env.set(s.out, simple(s, get, dtype));
    }
  }
  return block.results.map(get);
}

/** The function a program describes: its inputs in, the list of its results out. */
export function programFn(p: Program): (...inputs: Tensor[]) => Tensor[] {
  return (...inputs: Tensor[]) => runBlock(p.body, inputs, new Map(), p.dtype);
}

/**
 * The program's inputs: uniform in [-2, 2) from its data seed, in its dtype. With `alias`, for
 * odd seeds an input whose shape equals an earlier one's is that same tensor (aliased arguments
 * stress buffer reuse; derivative checks turn it off, since x − y at x = y sits on the kink of
 * any comparison that follows).
 */
export function programInputs(p: Program, alias = true): Tensor[] {
  const made: Tensor[] = [];
  p.inputs.forEach((id, k) => {
    const shape = p.shapes[id];
    const same =
      alias && p.dataSeed % 2 === 1 ? made.find((t) => t.shape.join() === shape.join()) : undefined;
    made.push(same ?? inDtype(randomTensor(shape, p.dataSeed * 7 + k, 2), p.dtype));
  });
  return made;
}

/** `batch` examples of every input, stacked on a new leading axis. */
export function batchedInputs(p: Program, batch: number): Tensor[] {
  return p.inputs.map((id, k) =>
    inDtype(randomTensor([batch, ...p.shapes[id]], p.dataSeed * 7 + k + 1000, 2), p.dtype),
  );
}

function inDtype(t: Tensor, dtype: FloatDtype): Tensor {
  return dtype === 'float64' ? t : astype(t, dtype);
}

/** A scalar loss of the program's results: Σ_k sum(result_k · w_k) with fixed random weights. */
export function programLoss(p: Program): (...inputs: Tensor[]) => Tensor {
  const f = programFn(p);
  const weights = p.body.results.map((id, k) =>
    inDtype(randomTensor(p.shapes[id], p.dataSeed + 31 * k + 5, 1), p.dtype),
  );
  return (...inputs: Tensor[]) =>
    f(...inputs)
      .map((r, k) => sum(mul(r, weights[k])))
      .reduce((acc, t) => add(acc, t));
}
