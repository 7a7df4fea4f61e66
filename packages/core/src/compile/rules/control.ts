// SPDX-License-Identifier: MIT
// Control flow as JavaScript control flow: scan becomes a `for` loop, whileLoop a `while`, cond an
// `if`. Loop-carried values live in dedicated buffers updated in place; a body result is computed
// straight into its carry buffer, or into its slot of a stacked ys buffer, whenever nothing reads
// the old value afterwards. Nested jit and checkpoint calls are inlined.
import type { CondParams } from '../../control/cond.js';
import { splitList } from '../../control/layout.js';
import type { ScanParams } from '../../control/scan_primitive.js';
import type { WhileParams } from '../../control/while_loop.js';
import type { Jaxpr } from '../../ir/jaxpr.js';
import { copyInto } from '../array_kernels.js';
import type { Lowering, LoweringRule } from '../lower.js';
import { type Kernel, type Region, type RegionSpec, type Step, walkSteps } from '../steps.js';
import {
  type ArrayValue,
  type Buf,
  contiguous,
  isContiguous,
  location,
  offsetPlus,
  renderOffset,
  type Value,
  ZERO,
} from '../values.js';

/** The top-level kernel of `steps` that defines `buf`, if any. */
function producerIndex(steps: readonly Step[], buf: Buf): number {
  return steps.findIndex((s) => s.kind === 'kernel' && s.writes.includes(buf));
}

/** A body result that can be computed directly into a preallocated region instead of copied. */
function redirectable(v: Value, steps: readonly Step[], claimed: Set<Buf>): v is ArrayValue {
  return (
    v.kind === 'array' &&
    v.buf.donatable &&
    !claimed.has(v.buf) &&
    v.off.c === 0 &&
    v.off.terms.length === 0 &&
    isContiguous(v) &&
    v.buf.size === v.shape.reduce((a, b) => a * b, 1) &&
    producerIndex(steps, v.buf) >= 0
  );
}

function pinnedTemp(lo: Lowering, like: { dtype: Value['dtype']; shape: readonly number[] }) {
  const v = lo.temp(like.dtype, like.shape);
  v.buf.pinned = true;
  return v;
}

/** Buffers for loop carries, initialised from `init`. */
function carryBuffers(lo: Lowering, init: readonly Value[], steps: Step[]): ArrayValue[] {
  return init.map((v) => {
    const c = pinnedTemp(lo, v);
    steps.push({ ...copyInto(v, c), writes: [c.buf], updates: [] });
    return c;
  });
}

/**
 * Ends a loop body: each new carry is either computed in place (its producing kernel writes the
 * carry buffer, allowed when no later step reads the old carry) or copied at the end of the
 * iteration, through temporaries when a copy source is itself an old carry.
 */
function updateCarries(
  lo: Lowering,
  outs: readonly Value[],
  carries: readonly ArrayValue[],
  body: Step[],
  claimed: Set<Buf>,
): void {
  const isPassthrough = (v: Value, k: number) =>
    v.kind === 'array' &&
    v.buf === carries[k].buf &&
    v.off.c === 0 &&
    v.off.terms.length === 0 &&
    isContiguous(v);
  const inPlace = new Set<number>();
  outs.forEach((v, k) => {
    if (!isPassthrough(v, k) && redirectable(v, body, claimed)) {
      claimed.add(v.buf);
      inPlace.add(k);
    }
  });
  const readsOld = (v: Value) => v.kind === 'array' && carries.some((c) => c.buf === v.buf);
  for (;;) {
    const copied = outs.map((v, k) => !inPlace.has(k) && !isPassthrough(v, k));
    const flat = [...walkSteps(body)];
    const violation = [...inPlace].find((k) => {
      const producer = body[producerIndex(body, (outs[k] as ArrayValue).buf)] as Kernel;
      const at = flat.indexOf(producer);
      const carry = carries[k].buf;
      const laterRead = flat
        .slice(at)
        .some(
          (s) =>
            s.reads.some((r) => r.buf === carry) &&
            !(s === producer && producer.identityReads.has(carry)),
        );
      return laterRead || outs.some((v, j) => copied[j] && v.kind === 'array' && v.buf === carry);
    });
    if (violation === undefined) break;
    inPlace.delete(violation);
    claimed.delete((outs[violation] as ArrayValue).buf);
  }
  outs.forEach((v, k) => {
    if (inPlace.has(k)) (v as ArrayValue).buf.forward = { buf: carries[k].buf, off: ZERO };
  });
  // Two phases so a swap (new a = old b, new b = old a) reads old values before any is written.
  const sources = outs.map((v, k) => {
    if (inPlace.has(k) || isPassthrough(v, k) || !readsOld(v)) return v;
    const tmp = lo.temp(v.dtype, v.shape);
    body.push({ ...copyInto(v, tmp), writes: [tmp.buf], updates: [] });
    return tmp;
  });
  sources.forEach((v, k) => {
    if (!inPlace.has(k) && !isPassthrough(outs[k], k)) body.push(copyInto(v, carries[k]));
  });
}

function loopRegion(
  blocks: Step[][],
  writes: Buf[],
  emit: Region['emit'],
  spec: RegionSpec,
  loop = true,
  reads: ArrayValue[] = [],
): Region {
  return { kind: 'region', reads, writes, loop, blocks, emit, spec, pos: -1, end: -1 };
}

const scanRule: LoweringRule = (lo, eqn, ins, steps) => {
  const p = eqn.params as ScanParams;
  const [consts, init, xs] = splitList(ins, p.numConsts, p.numCarry);
  const yAvals = p.body.outAvals.slice(p.numCarry);
  const carries = carryBuffers(lo, init, steps);
  const t = lo.name('t');
  const i = p.reverse ? lo.name('r') : t;
  const xsAt: Value[] = xs.map((x) => {
    if (x.kind === 'lit') return { ...x, shape: x.shape.slice(1) };
    const arr = lo.materialize(x, steps);
    return {
      ...arr,
      off: offsetPlus(arr.off, 0, arr.strides[0] === 1 ? i : `${i} * ${arr.strides[0]}`),
      shape: arr.shape.slice(1),
      strides: arr.strides.slice(1),
    };
  });
  const body: Step[] = [];
  const outs = lo.lowerBlock(p.body, [...consts, ...carries, ...xsAt], body);
  const claimed = new Set<Buf>();
  // A y that is just this step's x (a residual the backward pass needs) is the xs themselves.
  const forwardedXs = outs.slice(p.numCarry).map((y) => xsAt.indexOf(y));
  const ys = yAvals.map((a, k) =>
    forwardedXs[k] >= 0 ? null : pinnedTemp(lo, { dtype: a.dtype, shape: [p.length, ...a.shape] }),
  );
  outs.slice(p.numCarry).forEach((y, k) => {
    if (forwardedXs[k] >= 0) return;
    const size = yAvals[k].size;
    const slot = offsetPlus(ZERO, 0, size === 1 ? i : `${i} * ${size}`);
    if (redirectable(y, body, claimed)) {
      claimed.add(y.buf);
      y.buf.forward = { buf: ys[k]!.buf, off: slot };
    } else {
      body.push(copyInto(y, contiguous(ys[k]!.buf, yAvals[k].shape, slot)));
    }
  });
  updateCarries(lo, outs.slice(0, p.numCarry), carries, body, claimed);
  steps.push(
    loopRegion(
      [body],
      ys.flatMap((y) => (y ? [y.buf] : [])),
      (w, emitBlock) => {
        w.block(`for (let ${t} = 0; ${t} < ${p.length}; ${t}++)`, () => {
          if (p.reverse) w.line(`const ${i} = ${p.length - 1} - ${t};`);
          emitBlock(body);
        });
      },
      { kind: 'scan', length: p.length, counter: t, index: i, reverse: p.reverse },
    ),
  );
  return [...carries, ...ys.map((y, k) => y ?? lo.materialize(xs[forwardedXs[k]], steps))];
};

/** A JS condition reading the boolean scalar `v`. */
function truth(lo: Lowering, v: Value, steps: Step[]): { test: () => string; reads: ArrayValue[] } {
  if (v.kind === 'lit') return { test: () => (v.value ? 'true' : 'false'), reads: [] };
  const arr = lo.materialize(v, steps);
  return {
    test: () => {
      const l = location(arr);
      return `${l.name}[${renderOffset(l.off)}]`;
    },
    reads: [arr],
  };
}

const whileRule: LoweringRule = (lo, eqn, ins, steps) => {
  const p = eqn.params as WhileParams;
  const [condConsts, bodyConsts, init] = splitList(ins, p.numCondConsts, p.numBodyConsts);
  const carries = carryBuffers(lo, init, steps);
  const condSteps: Step[] = [];
  const [pred] = lo.lowerBlock(p.cond, [...condConsts, ...carries], condSteps);
  const test = truth(lo, pred, condSteps);
  condSteps.push({
    kind: 'kernel',
    reads: test.reads,
    writes: [],
    identityReads: new Set(),
    emit: (w) => w.line(`if (!${test.test()}) break;`),
    spec: { kind: 'breakUnless', pred },
    pos: -1,
  });
  const body: Step[] = [];
  const outs = lo.lowerBlock(p.body, [...bodyConsts, ...carries], body);
  updateCarries(lo, outs, carries, body, new Set());
  steps.push(
    loopRegion(
      [condSteps, body],
      [],
      (w, emitBlock) => {
        w.block('for (;;)', () => {
          emitBlock(condSteps);
          emitBlock(body);
        });
      },
      { kind: 'while' },
    ),
  );
  return carries;
};

/** A JS expression reading the scalar `v` (a bool or an int32 index) as a number. */
function selector(
  lo: Lowering,
  v: Value,
  steps: Step[],
): { read: () => string; reads: ArrayValue[] } {
  if (v.kind === 'lit') return { read: () => String(Number(v.value)), reads: [] };
  const arr = lo.materialize(v, steps);
  return {
    read: () => {
      const l = location(arr);
      return `${l.name}[${renderOffset(l.off)}]`;
    },
    reads: [arr],
  };
}

/**
 * cond/switch as an `if` chain: `if (s <= 0) b0 else if (s <= 1) b1 ... else b(n-1)`, which both
 * reads a bool (false = 0) and clamps an index to [0, n-1].
 */
const condRule: LoweringRule = (lo, eqn, [pred, ...operands], steps) => {
  const p = eqn.params as CondParams;
  const outs = eqn.outBinders.map((v) => lo.temp(v.aval.dtype, v.aval.shape));
  const sel = selector(lo, pred, steps);
  const s = lo.name('sel');
  const blocks = p.branches.map((branch: Jaxpr) => {
    const block: Step[] = [];
    const results = lo.lowerBlock(branch, operands, block);
    const claimed = new Set<Buf>();
    results.forEach((r, k) => {
      if (redirectable(r, block, claimed)) {
        claimed.add(r.buf);
        r.buf.forward = { buf: outs[k].buf, off: ZERO };
      } else {
        block.push(copyInto(r, outs[k]));
      }
    });
    return block;
  });
  steps.push(
    loopRegion(
      blocks,
      outs.map((o) => o.buf),
      (w, emitBlock) => {
        w.line(`const ${s} = ${sel.read()};`);
        blocks.forEach((block, k) => {
          if (k === blocks.length - 1) w.block(k === 0 ? '' : 'else', () => emitBlock(block));
          else w.block(`${k === 0 ? '' : 'else '}if (${s} <= ${k})`, () => emitBlock(block));
        });
      },
      { kind: 'cond', pred },
      false,
      sel.reads,
    ),
  );
  return outs;
};

/** jit_call and checkpoint run their program in line: one function, one buffer plan. */
function inline(program: (params: Record<string, unknown>) => Jaxpr): LoweringRule {
  return (lo, eqn, ins, steps) => lo.lowerBlock(program(eqn.params), ins, steps);
}

export const controlRules: [string, typeof scanRule][] = [
  ['scan', scanRule],
  ['while', whileRule],
  ['cond', condRule],
  ['jit_call', inline((p) => p.jaxpr as Jaxpr)],
  ['checkpoint', inline((p) => p.body as Jaxpr)],
];
