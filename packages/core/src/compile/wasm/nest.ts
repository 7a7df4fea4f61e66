// SPDX-License-Identifier: MIT
// Loop nests in wasm. Each access keeps one pointer that is bumped as the loops advance (so an
// element address is a local, not a sum of products), and the innermost loop can run `lanes`
// elements at a time with the remainder unrolled after it (sizes are compile-time constants).
import type { CodeWriter, Local } from './builder.js';

export interface NestAccess {
  /** Pushes the byte address of the access's first element. */
  readonly base: (w: CodeWriter) => void;
  /** Byte strides per loop level. */
  readonly strides: readonly number[];
}

/**
 * Emits one step of the innermost loop: `vector` steps cover `lanes` elements, scalar steps
 * one. `ptrs` hold each access's current byte address.
 */
export type NestBody = (ptrs: readonly Local[], vector: boolean) => void;

/**
 * Emits loops over `sizes` (outermost first). With `lanes > 1`, the innermost loop runs
 * vector steps while at least `lanes` elements remain, then scalar steps.
 */
export function emitNest(
  w: CodeWriter,
  sizes: readonly number[],
  accesses: readonly NestAccess[],
  lanes: number,
  body: NestBody,
): void {
  if (sizes.some((n) => n === 0)) return;
  const ptrs = accesses.map((a) => {
    const p = w.local('i32');
    a.base(w);
    w.set(p);
    return p;
  });
  const depth = sizes.length;
  if (depth === 0) {
    body(ptrs, false);
    return;
  }
  const bump = (level: number, times: number) => {
    accesses.forEach((a, i) => {
      const delta = a.strides[level] * times;
      if (delta !== 0) w.get(ptrs[i]).i32(delta).op('i32.add').set(ptrs[i]);
    });
  };
  /** A do-while loop of `count` ≥ 1 iterations. */
  const repeat = (count: number, step: () => void) => {
    if (count === 1) {
      step();
      return;
    }
    const c = w.local('i32');
    w.i32(count).set(c);
    w.loop(() => {
      step();
      w.get(c).i32(1).op('i32.sub').tee(c).brIf(0);
    });
  };
  const level = (d: number): void => {
    const n = sizes[d];
    if (d === depth - 1) {
      const vectorSteps = lanes > 1 ? Math.floor(n / lanes) : 0;
      if (vectorSteps > 0) {
        repeat(vectorSteps, () => {
          body(ptrs, true);
          bump(d, lanes);
        });
      }
      const scalarSteps = n - vectorSteps * lanes;
      if (scalarSteps > 0) {
        // A short remainder is unrolled; a long scalar loop stays a loop.
        if (scalarSteps <= 3 || lanes > 1) {
          for (let s = 0; s < scalarSteps; s++) {
            body(ptrs, false);
            bump(d, 1);
          }
        } else {
          repeat(scalarSteps, () => {
            body(ptrs, false);
            bump(d, 1);
          });
        }
      }
      return;
    }
    repeat(n, () => {
      level(d + 1);
      // The inner loops advanced each pointer by sizes[d+1] * strides[d+1]: step to the next
      // position of this level instead.
      accesses.forEach((a, i) => {
        const delta = a.strides[d] - sizes[d + 1] * a.strides[d + 1];
        if (delta !== 0) w.get(ptrs[i]).i32(delta).op('i32.add').set(ptrs[i]);
      });
    });
  };
  level(0);
}

/** A scan's loop: `counter` runs 0..length-1; `index` (a reversed scan's) runs length-1..0. */
export function emitScanLoop(
  w: CodeWriter,
  length: number,
  reverse: boolean,
  counter: Local,
  index: Local,
  body: () => void,
): void {
  if (length === 0) return;
  w.i32(0).set(counter);
  w.loop(() => {
    if (reverse)
      w.i32(length - 1)
        .get(counter)
        .op('i32.sub')
        .set(index);
    body();
    w.get(counter).i32(1).op('i32.add').tee(counter).i32(length).op('i32.lt_s').brIf(0);
  });
}

/** `for (o = 0; o < outer; o++) for (i = 0; i < n; i++) body()`, counters in `o` and `i`. */
export function emitOuterByAxis(
  w: CodeWriter,
  o: Local,
  outer: number,
  i: Local,
  n: number,
  body: () => void,
): void {
  w.forLoop(
    o,
    () => w.i32(0),
    () => w.i32(outer),
    1,
    () =>
      w.forLoop(
        i,
        () => w.i32(0),
        () => w.i32(n),
        1,
        body,
      ),
  );
}
