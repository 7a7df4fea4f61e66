// SPDX-License-Identifier: MIT
// The value check behind `config.update('debugNans', true)`: after a primitive runs eagerly,
// a NaN or ±Infinity in a floating output, when every floating input was finite, means this
// primitive is where the bad value was born. Only that primitive is reported; values already
// bad on the way in were reported (or let through) where they were made.
import { FloatingPointError } from '../errors.js';
import type { ConcreteTensor } from '../tensor/concrete.js';
import { isFloat, type TypedArray } from '../tensor/dtype.js';

/** The first non-finite element of a floating buffer: its flat index and value, or null. */
function firstNonFinite(t: ConcreteTensor): { index: number; value: number; count: number } | null {
  if (!isFloat(t.dtype)) return null;
  const b: TypedArray = t.buffer;
  let first = -1;
  let count = 0;
  for (let i = 0; i < b.length; i++) {
    const v = b[i];
    // v - v is 0 for finite numbers and NaN for NaN and ±Infinity: one test covers both.
    if (v - v !== 0) {
      if (first < 0) first = i;
      count++;
    }
  }
  return first < 0 ? null : { index: first, value: b[first], count };
}

/** Whether every floating element of `ts` is finite. */
export function allFinite(ts: readonly ConcreteTensor[]): boolean {
  return ts.every((t) => firstNonFinite(t) === null);
}

const CORE_FRAME = /[\\/]packages[\\/]core[\\/](?:src|dist)[\\/]|[\\/]@loom[\\/]core[\\/]/;
const RUNTIME_FRAME = /\(node:|^\s*at node:|[\\/]node_modules[\\/]/;

/**
 * The first stack frame outside Loom's core (the user's line that called the operation), taken
 * from a stack captured now. Test files inside packages/core count as user code.
 */
export function userCallSite(): string {
  const stack = new Error().stack ?? '';
  const frames = stack.split('\n').slice(1);
  const user = frames.find(
    (f) => (!CORE_FRAME.test(f) || /\.test\.[cm]?[jt]s/.test(f)) && !RUNTIME_FRAME.test(f),
  );
  return user ? user.trim().replace(/^at /, '') : 'unknown (no stack frame outside @loom/core)';
}

const describe = (ts: readonly { aval: { toString(): string } }[]) =>
  ts.length === 0 ? '(none)' : ts.map((t) => String(t.aval)).join(', ');

/**
 * Throws FloatingPointError when `outs` hold NaN or ±Infinity although every input was finite.
 * `op` names the primitive (or the program) that ran.
 */
export function checkFloatingPoint(
  op: string,
  inputs: readonly ConcreteTensor[],
  outs: readonly ConcreteTensor[],
): void {
  for (let k = 0; k < outs.length; k++) {
    const bad = firstNonFinite(outs[k]);
    if (bad === null) continue;
    if (!allFinite(inputs)) return;
    const what = Number.isNaN(bad.value) ? 'NaN' : String(bad.value);
    const where = outs.length > 1 ? `output ${k} (${outs[k].aval})` : `its output`;
    throw new FloatingPointError(
      `debugNans: ${op} produced ${what} from finite inputs: ${where} has ${bad.count} ` +
        `non-finite element${bad.count === 1 ? '' : 's'}, the first at flat index ${bad.index}. ` +
        `Inputs: ${describe(inputs)}; outputs: ${describe(outs)}. Called at ${userCallSite()}. ` +
        "Turn the check off with config.update('debugNans', false).",
    );
  }
}
