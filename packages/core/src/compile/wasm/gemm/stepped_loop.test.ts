// SPDX-License-Identifier: MIT
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../errors.js';
import { ModuleBuilder } from '../builder.js';
import { emitSteppedLoop } from './stepped_loop.js';

/**
 * `(dst, src, dstEnd) -> ()`: dst[i] = 10·src[2i] + (i's step within its iteration) over int32,
 * with dst the cursor (4 bytes a step) and src stepping 8 bytes; the step index makes a step run
 * at the wrong place show.
 */
function compile(unroll: number): {
  run: (dst: number, src: number, end: number) => void;
  words: Int32Array;
} {
  const mb = new ModuleBuilder().importMemory({ initial: 1 });
  const f = mb.func(['i32', 'i32', 'i32'], [], (w, [dst, src, end]) => {
    emitSteppedLoop(w, {
      cursor: { ptr: dst, stride: 4 },
      end,
      others: [{ ptr: src, stride: 8 }],
      unroll,
      body: (step) => {
        w.get(dst)
          .get(src)
          .mem('i32.load', step * 8)
          .i32(10)
          .op('i32.mul')
          .i32(step)
          .op('i32.add')
          .mem('i32.store', step * 4);
      },
    });
  });
  mb.export(f, 'run');
  const memory = new WebAssembly.Memory({ initial: 1 });
  const inst = new WebAssembly.Instance(new WebAssembly.Module(mb.build()), { env: { memory } });
  const run = inst.exports.run as (dst: number, src: number, end: number) => void;
  return { run, words: new Int32Array(memory.buffer) };
}

describe('emitSteppedLoop', () => {
  test.prop([fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 40 })])(
    'runs each of `count` steps once, in order, for counts that are not multiples of the unroll',
    (unroll, count) => {
      const { run, words } = compile(unroll);
      const src = 1024;
      const dst = 4096;
      words.fill(-1, dst / 4, dst / 4 + count + 8);
      for (let i = 0; i < 2 * count; i++) words[src / 4 + i] = i;
      run(dst, src, dst + 4 * count);
      // Element i comes from src[2i] (10·2i) plus its step within the iteration (i mod unroll).
      const want = Array.from({ length: count }, (_, i) => 20 * i + (i % unroll));
      expect(Array.from(words.subarray(dst / 4, dst / 4 + count))).toEqual(want);
      // Nothing past the end is written.
      expect(Array.from(words.subarray(dst / 4 + count, dst / 4 + count + 8))).toEqual(
        new Array(8).fill(-1),
      );
    },
  );

  it('rejects a negative stride with several steps per iteration, naming it', () => {
    const mb = new ModuleBuilder().importMemory({ initial: 1 });
    expect(() =>
      mb.func(['i32', 'i32'], [], (w, [p, end]) =>
        emitSteppedLoop(w, {
          cursor: { ptr: p, stride: 4 },
          end,
          others: [{ ptr: p, stride: -8 }],
          unroll: 2,
          body: () => {},
        }),
      ),
    ).toThrow(InvalidArgumentError);
    expect(() =>
      mb.func(['i32', 'i32'], [], (w, [p, end]) =>
        emitSteppedLoop(w, {
          cursor: { ptr: p, stride: -4 },
          end,
          others: [],
          unroll: 3,
          body: () => {},
        }),
      ),
    ).toThrow(/emitSteppedLoop: stride -4 with 3 steps per iteration; .*cannot be negative/);
  });
});
